package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// exitTimeout bounds how long a test waits for a command to exit.
const exitTimeout = 30 * time.Second

// echoer drives a command that copies stdin to stdout line by line, as
// `cat` does through ssh or srun.
type echoer struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr bytes.Buffer
}

// startEchoer starts cmd with pipes on its stdin and stdout.
func startEchoer(t testing.TB, cmd *exec.Cmd) *echoer {
	t.Helper()
	e := &echoer{cmd: cmd}
	var err error
	e.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	e.stdout = bufio.NewReader(stdout)
	cmd.Stderr = &e.stderr
	require.NoError(t, cmd.Start())
	return e
}

// trip writes line and a newline, and returns how long it took to read
// them back. It fails if what comes back differs.
func (e *echoer) trip(line string) (time.Duration, error) {
	start := time.Now()
	if _, err := io.WriteString(e.stdin, line+"\n"); err != nil {
		return 0, err
	}
	got, err := e.stdout.ReadString('\n')
	elapsed := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("reading back %q: %w (stderr: %s)", line, err, e.stderr.String())
	}
	if got != line+"\n" {
		return 0, fmt.Errorf("sent %q, got back %q", line, got)
	}
	return elapsed, nil
}

// close closes the command's stdin and requires it to exit 0 within
// exitTimeout, as cat does at end of input.
func (e *echoer) close(t testing.TB) {
	t.Helper()
	require.NoError(t, e.stdin.Close())
	require.NoError(t, waitExit(e.cmd, exitTimeout), "stderr: %s", e.stderr.String())
}

// waitExit waits for cmd to exit, killing it if it has not after timeout.
// It returns the error from Wait, or a timeout error.
func waitExit(cmd *exec.Cmd, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("%s did not exit within %v", cmd, timeout)
	}
}

// roundTrips sends trips lines through cmd, one at a time, checks each
// comes back, closes stdin and checks cmd exits 0. It logs the time to the
// first line back (startup included) and the latency of the others.
func roundTrips(t *testing.T, cmd *exec.Cmd, trips int) {
	t.Helper()
	start := time.Now()
	e := startEchoer(t, cmd)
	first, err := e.trip("line 0")
	require.NoError(t, err)
	t.Logf("start to first line back: %v (the line itself: %v)", time.Since(start).Round(time.Microsecond), first)
	lat := make([]time.Duration, 0, trips)
	for i := 1; i < trips; i++ {
		d, err := e.trip(fmt.Sprintf("line %d of %d", i, trips))
		require.NoError(t, err)
		lat = append(lat, d)
	}
	e.close(t)
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))].Round(time.Microsecond) }
	t.Logf("one-line round trip over %d trips: min %v, median %v, p90 %v, p99 %v, max %v",
		len(lat), pct(0), pct(0.5), pct(0.9), pct(0.99), pct(1))
}

// benchRoundTrips measures one line's round trip through a started cmd.
func benchRoundTrips(b *testing.B, cmd *exec.Cmd) {
	e := startEchoer(b, cmd)
	_, err := e.trip("warm up")
	require.NoError(b, err)
	for b.Loop() {
		if _, err := e.trip("line"); err != nil {
			b.Fatal(err)
		}
	}
	e.close(b)
}
