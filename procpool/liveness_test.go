package procpool_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

// liveness is the Liveness of the liveness tests: short, so they are, and
// long beside a heartbeat on a busy machine.
const liveness = 300 * time.Millisecond

// holdTask, for "hold", reports its worker's pid on stderr ("running
// pid=N") and blocks, ignoring its context, until the worker is killed;
// for anything else it returns its worker's pid.
var holdTask = procpool.Register("hold", func(ctx context.Context, what string) (int, error) {
	if what == "hold" {
		fmt.Fprintf(os.Stderr, "running pid=%d\n", os.Getpid())
		select {}
	}
	return os.Getpid(), nil
})

// A worker stopped while it runs an input, in a pool without Timeout, is
// found by its silence: the input fails as after a crash, and a new
// worker serves.
func TestStoppedWorkerIsFoundAndReplaced(t *testing.T) {
	p, stderr := newPool(t, holdTask, procpool.Workers(1), procpool.Liveness(liveness))
	f := p.Submit(bg(), "hold")
	pid := waitForPid(t, stderr)
	killAtCleanup(t, pid)
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	stopped := time.Now()

	ctx, cancel := context.WithTimeout(bg(), 10*time.Second)
	defer cancel()
	_, err := f.Result(ctx)
	found := time.Since(stopped)
	require.ErrorIs(t, err, procpool.ErrWorkerDied, "the input on the stopped worker fails as after a crash")
	assert.Contains(t, err.Error(), "sent nothing for", "the error says the worker went silent")
	t.Logf("SIGSTOP of a busy worker to its input failed: %v (Liveness %v): %s", found.Round(time.Millisecond), liveness, reason(err))
	eventually(t, 10*time.Second, func() bool { return !alive(pid) }, "the stopped worker was not killed")

	next, err := p.Submit(bg(), "pid").Result(bg())
	require.NoError(t, err, "a new worker serves")
	assert.NotEqual(t, pid, next)
}

// A worker stopped while idle is found too, without waiting for Close or
// for an input to reach it.
func TestIdleStoppedWorkerIsReplaced(t *testing.T) {
	p, _ := newPool(t, holdTask, procpool.Workers(1), procpool.Liveness(liveness), procpool.Prestart())
	eventually(t, 10*time.Second, func() bool { return p.Stats().Workers == 1 }, "the worker did not start")
	pid := p.Stats().Procs[0].PID
	killAtCleanup(t, pid)
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	stopped := time.Now()

	eventually(t, 10*time.Second, func() bool { return p.Stats().Died == 1 }, "the stopped idle worker was not taken for dead")
	t.Logf("SIGSTOP of an idle worker to its death counted: %v (Liveness %v)", time.Since(stopped).Round(time.Millisecond), liveness)
	eventually(t, 10*time.Second, func() bool { return !alive(pid) }, "the stopped worker was not killed")

	next, err := p.Submit(bg(), "pid").Result(bg())
	require.NoError(t, err, "a new worker serves")
	assert.NotEqual(t, pid, next)
}

// reason returns what the pool saw of a worker that died, from err.
func reason(err error) string {
	var we *procpool.WorkerError
	if errors.As(err, &we) {
		return we.Reason
	}
	return ""
}
