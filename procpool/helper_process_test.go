package procpool_test

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/internal/testenv"
)

// helperProcess is a program the test runs that reports on its stdout,
// line by line: most often this test binary run again as a parent program
// of the test's making (see startHelper).
type helperProcess struct {
	cmd    *exec.Cmd
	lines  chan string   // its stdout, line by line; closed at the end of it
	exited chan struct{} // closed once it has exited and been reaped
	err    error         // what Wait returned, once exited is closed
	stderr *syncBuffer   // its stderr, unless the command sent it elsewhere
}

// startHelper starts this test binary again to run only TestHelper<name>,
// which does its part when helperEnv names it (and skips otherwise).
// configure, if not nil, sets more of the command before it starts (its
// process group, its stderr). When the test ends the helper is killed if it
// still runs, and reaped.
func startHelper(t *testing.T, name string, configure func(*exec.Cmd)) *helperProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelper"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"="+name)
	if _, set := os.LookupEnv("GORACE"); !set {
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0") // a race-enabled helper would sleep a second at exit
	}
	if configure != nil {
		configure(cmd)
	}
	return startReporting(t, cmd)
}

// startReporting starts cmd with its stdout read line by line and, if
// cmd.Stderr is not set, its stderr kept. When the test ends cmd is killed
// if it still runs, and reaped.
func startReporting(t *testing.T, cmd *exec.Cmd) *helperProcess {
	t.Helper()
	h := &helperProcess{cmd: cmd, lines: make(chan string, 64), exited: make(chan struct{}), stderr: &syncBuffer{}}
	if cmd.Stderr == nil {
		cmd.Stderr = h.stderr
	}
	cmd.WaitDelay = 5 * time.Second // a descendant holding its stdio must not hold up the reaping
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	go func() { // joined by the cleanup, which reads lines to their end
		defer close(h.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
	}()
	go func() { // joined by the cleanup, through exited
		h.err = cmd.Wait()
		close(h.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-h.exited
		for range h.lines {
		}
	})
	return h
}

// next returns the rest of the first line of the helper's stdout that
// starts with prefix, skipping other lines (the testing package's). It
// fails the test if the helper's stdout ends first, or if no such line
// comes within d.
func (h *helperProcess) next(t *testing.T, prefix string, d time.Duration) string {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	var skipped []string
	for {
		select {
		case line, ok := <-h.lines:
			if !ok {
				require.FailNow(t, "the helper's stdout ended before a line starting "+strconv.Quote(prefix),
					"stdout:\n%s\nstderr:\n%s", strings.Join(skipped, "\n"), h.stderr)
			}
			if rest, found := strings.CutPrefix(line, prefix); found {
				return rest
			}
			skipped = append(skipped, line)
		case <-timer.C:
			require.FailNow(t, "no line starting "+strconv.Quote(prefix)+" from the helper within "+d.String(),
				"stdout:\n%s\nstderr:\n%s", strings.Join(skipped, "\n"), h.stderr)
		}
	}
}

// pid returns the pid the helper reports on a line "prefix<pid>".
func (h *helperProcess) pid(t *testing.T, prefix string) int {
	t.Helper()
	s := h.next(t, prefix, 30*time.Second)
	pid, err := strconv.Atoi(s)
	require.NoError(t, err, "the helper's line %q%s", prefix, s)
	return pid
}

// wait waits up to d for the helper to exit and returns what Wait
// returned; it fails the test if the helper is still running then.
func (h *helperProcess) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case <-h.exited:
		return h.err
	case <-time.After(d):
		require.FailNow(t, "the helper did not exit within "+d.String(), "stderr:\n%s", h.stderr)
		return nil
	}
}

// startTime returns when pid started, in clock ticks since boot, or "" if
// there is no such process: with the pid, it names one process for good,
// though pids are reused.
func startTime(pid int) string {
	st, _ := testenv.ProcStat(pid)
	return st.StartTime
}

// killAtCleanup kills pid, and lets it continue should it be stopped, when
// the test ends, if it is still the process it is now and still alive: a
// process the test made stop, or one that should have died and did not.
func killAtCleanup(t *testing.T, pid int) {
	t.Helper()
	started := startTime(pid)
	require.NotEmpty(t, started, "process %d is gone already", pid)
	t.Cleanup(func() {
		if startTime(pid) == started && alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			_ = syscall.Kill(pid, syscall.SIGCONT)
		}
	})
}
