package procpool_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

// floodTask writes mib MiB of lines to stderr, then blocks, ignoring its
// context, until its worker is killed.
var floodTask = procpool.Register("flood-stderr", func(ctx context.Context, mib int) (int, error) {
	line := strings.Repeat("flood ", 16) + "\n"
	w := bufio.NewWriterSize(os.Stderr, 64<<10)
	for range mib << 20 / len(line) {
		_, _ = w.WriteString(line)
	}
	_ = w.Flush()
	select {}
})

// TestHelperBlockedStderr is not a test: TestBlockedStderrHoldsUpNothing
// runs this test binary again with a stderr that nobody reads. Its pool
// forwards the workers' stderr there, and a task floods it; the helper
// reports on stdout how the input settled, and then that Close returned.
func TestHelperBlockedStderr(t *testing.T) {
	if os.Getenv(helperEnv) != "BlockedStderr" {
		t.Skip("helper process for TestBlockedStderrHoldsUpNothing")
	}
	p := procpool.New(floodTask, procpool.Workers(1), procpool.Timeout(200*time.Millisecond)) // Stderr: os.Stderr
	_, err := p.Submit(bg(), 8).Result(bg())
	fmt.Printf("settled: deadline %v: %s\n", errors.Is(err, context.DeadlineExceeded), strings.ReplaceAll(fmt.Sprint(err), "\n", " | "))
	require.NoError(t, p.Close())
	fmt.Printf("closed: dropped %d\n", p.Stats().StderrDropped)
}

// A program whose own stderr is a pipe nobody reads (a supervisor that
// reads only stdout) still settles, kills and reaps: what cannot be
// forwarded is dropped and counted.
func TestBlockedStderrHoldsUpNothing(t *testing.T) {
	unread, stderr, err := os.Pipe()
	require.NoError(t, err)
	var drain sync.WaitGroup
	t.Cleanup(func() { // after the helper is reaped
		drain.Wait()
		unread.Close()
	})
	h := startHelper(t, "BlockedStderr", func(cmd *exec.Cmd) { cmd.Stderr = stderr })
	require.NoError(t, stderr.Close()) // the helper has its own copy

	settled := h.next(t, "settled: ", time.Minute)
	assert.True(t, strings.HasPrefix(settled, "deadline true: "), "the input fails with its timeout: %s", settled)
	closed := h.next(t, "closed: ", time.Minute)
	var dropped uint64
	_, err = fmt.Sscanf(closed, "dropped %d", &dropped)
	require.NoError(t, err, "the helper's report: %s", closed)
	assert.NotZero(t, dropped, "the lines the blocked stderr could not take are counted")
	settled, _, _ = strings.Cut(settled, "; last stderr lines")
	t.Logf("settled: %s; stderr lines dropped: %d", settled, dropped)

	drain.Go(func() { _, _ = io.Copy(io.Discard, unread) })
	assert.NoError(t, h.wait(t, time.Minute), "once its stderr is read, the helper ends cleanly")
}
