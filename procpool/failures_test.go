package procpool_test

import (
	"context"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

func TestOsExitFailsOnlyThatInput(t *testing.T) {
	p, _ := newPool(t, exitTask, procpool.Workers(2))
	fs := make([]*future.Future[int], 20)
	for i := range fs {
		code := 0
		if i == 7 {
			code = 3
		}
		fs[i] = p.Submit(bg(), code)
	}
	for i, f := range fs {
		_, err := f.Result(bg())
		if i != 7 {
			require.NoError(t, err, "input %d", i)
			continue
		}
		require.ErrorIs(t, err, procpool.ErrWorkerDied)
		var we *procpool.WorkerError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, "exit status 3", we.Status)
		assert.NotZero(t, we.PID)
		assert.Contains(t, we.Stderr, "about to exit with 3", "the error carries the worker's last stderr lines")
		assert.Contains(t, err.Error(), "exit status 3")
	}
	_, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err, "the pool goes on with a new worker")
	assert.Equal(t, uint64(1), p.Stats().Died)
}

func TestGoroutinePanicKillsOnlyItsWorker(t *testing.T) {
	p, _ := newPool(t, goroutinePanicTask, procpool.Workers(1))
	_, err := p.Submit(bg(), 1).Result(bg())
	require.ErrorIs(t, err, procpool.ErrWorkerDied)
	var we *procpool.WorkerError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, "exit status 2", we.Status)
	assert.Contains(t, err.Error(), "nil pointer dereference")
	v, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err)
	assert.Equal(t, 0, v)
}

func TestSigkillFromOutside(t *testing.T) {
	p, stderr := newPool(t, blockTask, procpool.Workers(1))
	f := p.Submit(bg(), 1)
	pid := waitForPid(t, stderr)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))

	start := time.Now()
	_, err := f.Result(bg())
	settled := time.Since(start)
	require.ErrorIs(t, err, procpool.ErrWorkerDied)
	var we *procpool.WorkerError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, "signal: killed", we.Status)
	assert.Equal(t, pid, we.PID)
	t.Logf("killed worker to settled future: %v", settled)
}

// waitForPid waits for a blockTask to report its pid on stderr.
func waitForPid(t *testing.T, stderr *syncBuffer) int {
	t.Helper()
	re := regexp.MustCompile(`running pid=(\d+)`)
	var pid int
	eventually(t, 10*time.Second, func() bool {
		m := re.FindStringSubmatch(stderr.String())
		if m == nil {
			return false
		}
		pid, _ = strconv.Atoi(m[1])
		return true
	}, "the task never reported its pid; stderr: %s", stderr)
	return pid
}

func TestPanicBecomesPanicErrorWithChildStack(t *testing.T) {
	p, _ := newPool(t, panicTask, procpool.Workers(1))
	_, err := p.Submit(bg(), -5).Result(bg())
	var pe *pool.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "negative input -5", pe.Value)
	assert.Contains(t, string(pe.Stack), "procpool_test.init", "the stack is the child's, from the task")
	v, err := p.Submit(bg(), 5).Result(bg())
	require.NoError(t, err, "a panic does not kill the worker")
	assert.Equal(t, 5, v)
	assert.Equal(t, uint64(0), p.Stats().Died)
}

func TestCancelRunningTaskThatHonoursCtx(t *testing.T) {
	p, stderr := newPool(t, blockTask, procpool.Workers(1), procpool.KillGrace(time.Minute))
	ctx, cancel := context.WithCancel(bg())
	f := p.Submit(ctx, 0)
	pid := waitForPid(t, stderr)
	cancel()
	_, err := f.Result(bg())
	require.ErrorIs(t, err, context.Canceled, "the future settles with the context's error at once")
	eventually(t, 10*time.Second, func() bool { return p.Stats().Running == 0 }, "the task never returned")
	assert.True(t, alive(pid), "a task that returns is not killed")
	assert.Equal(t, uint64(0), p.Stats().Killed)
}

func TestCancelRunningTaskThatIgnoresCtxIsKilled(t *testing.T) {
	p, stderr := newPool(t, blockTask, procpool.Workers(1), procpool.KillGrace(50*time.Millisecond))
	ctx, cancel := context.WithCancel(bg())
	f := p.Submit(ctx, 1)
	pid := waitForPid(t, stderr)
	cancel()
	_, err := f.Result(bg())
	require.ErrorIs(t, err, context.Canceled, "the future settles with the context's error at once")
	eventually(t, 10*time.Second, func() bool { return !alive(pid) }, "the worker was not killed")
	eventually(t, 10*time.Second, func() bool { return p.Stats().Killed == 1 }, "the kill was not counted")
	ctx, cancel = context.WithTimeout(bg(), time.Millisecond)
	defer cancel()
	_, err = p.Submit(ctx, 0).Result(bg())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, uint64(1), p.Stats().Killed, "a task that honours its deadline is not killed")
}

func TestTimeoutKillsRunaway(t *testing.T) {
	p, _ := newPool(t, blockTask, procpool.Workers(1),
		procpool.Timeout(50*time.Millisecond), procpool.KillGrace(50*time.Millisecond))
	_, err := p.Submit(bg(), 0).Result(bg())
	require.ErrorIs(t, err, context.DeadlineExceeded, "a task that honours its ctx returns at the timeout")
	assert.NotErrorIs(t, err, procpool.ErrKilled)

	_, err = p.Submit(bg(), 1).Result(bg())
	require.ErrorIs(t, err, procpool.ErrKilled)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "ran past its 50ms timeout")
}

func TestFutureCancelDropsQueuedInput(t *testing.T) {
	p, stderr := newPool(t, blockTask, procpool.Workers(1), procpool.KillGrace(50*time.Millisecond))
	running := p.Submit(bg(), 0)
	waitForPid(t, stderr)
	queued := p.Submit(bg(), 0)
	require.True(t, queued.Cancel())
	_, err := queued.Result(bg())
	assert.ErrorIs(t, err, context.Canceled)
	require.True(t, running.Cancel())
	_, err = running.Result(bg())
	assert.ErrorIs(t, err, context.Canceled)
}
