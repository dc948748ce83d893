package procpool_test

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

func TestShutdownWaitsForWork(t *testing.T) {
	p, _ := newPool(t, squareTask, procpool.Workers(2))
	fs := make([]*future.Future[int], 100)
	for i := range fs {
		fs[i] = p.Submit(bg(), i)
	}
	require.NoError(t, p.Shutdown(bg()))
	for i, f := range fs {
		require.True(t, f.Settled())
		v, err := f.Result(bg())
		require.NoError(t, err)
		require.Equal(t, i*i, v)
	}
	assert.Empty(t, children(t), "Shutdown returns after reaping every worker")
}

func TestShutdownDeadlineKillsWorkers(t *testing.T) {
	p, stderr := newPool(t, blockTask, procpool.Workers(1), procpool.KillGrace(time.Minute))
	running := p.Submit(bg(), 1)
	pid := waitForPid(t, stderr)
	queued := p.Submit(bg(), 1)
	ctx, cancel := context.WithTimeout(bg(), 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, p.Shutdown(ctx), context.DeadlineExceeded)
	for _, f := range []*future.Future[int]{running, queued} {
		_, err := f.Result(bg())
		assert.ErrorIs(t, err, pool.ErrShutdownCancel)
	}
	assert.False(t, alive(pid), "the worker is killed, not waited for")
	assert.Empty(t, children(t))
}

func TestSubmitRacingShutdown(t *testing.T) {
	p, _ := newPool(t, squareTask, procpool.Workers(2), procpool.QueueSize(4))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var all []*future.Future[int]
	for range 4 {
		wg.Go(func() {
			for i := range 100 {
				f := p.Submit(bg(), i)
				mu.Lock()
				all = append(all, f)
				mu.Unlock()
			}
		})
	}
	require.NoError(t, p.Shutdown(bg()))
	wg.Wait()
	var ok uint64
	for _, f := range all {
		require.True(t, f.Settled(), "every future settles")
		if _, err := f.Result(bg()); err == nil {
			ok++
		} else {
			require.ErrorIs(t, err, pool.ErrClosed)
		}
	}
	s := p.Stats()
	assert.Equal(t, ok, s.Completed)
	assert.Equal(t, s.Submitted, s.Completed, "everything accepted ran")
}

func TestRecycleAfterTasks(t *testing.T) {
	p, _ := newPool(t, pidTask, procpool.Workers(1), procpool.RecycleAfter(3))
	pids := map[int]int{}
	for range 9 {
		pid, err := p.Submit(bg(), 0).Result(bg())
		require.NoError(t, err)
		pids[pid]++
	}
	assert.Len(t, pids, 3, "a new worker every 3 inputs")
	for pid, n := range pids {
		assert.Equal(t, 3, n, "worker %d", pid)
	}
	assert.Equal(t, uint64(3), p.Stats().Recycled, "each worker retires after its third input")
}

func TestRecycleAboveMaxRSS(t *testing.T) {
	p, _ := newPool(t, leakTask, procpool.Workers(1), procpool.MaxRSS(64<<20))
	first, err := p.Submit(bg(), 100).Result(bg()) // 100 MiB: over the limit
	require.NoError(t, err)
	// RSS is measured at most every 100ms, so keep feeding small inputs
	// until a new worker serves.
	eventually(t, 10*time.Second, func() bool {
		pid, err := p.Submit(bg(), 0).Result(bg())
		return err == nil && pid != first
	}, "the worker above MaxRSS was not replaced")
	assert.GreaterOrEqual(t, p.Stats().Recycled, uint64(1))
}

func TestStatsPerWorker(t *testing.T) {
	p, _ := newPool(t, squareTask, procpool.Workers(2), procpool.Prestart())
	eventually(t, 10*time.Second, func() bool { return p.Stats().Workers == 2 }, "Prestart did not start both workers")
	_, err := p.Map(bg(), ints(1000))
	require.NoError(t, err)
	s := p.Stats()
	assert.Equal(t, 2, s.Workers)
	assert.Equal(t, uint64(1000), s.Completed)
	var tasks uint64
	for _, w := range s.Procs {
		assert.NotZero(t, w.PID)
		tasks += w.Tasks
	}
	assert.Equal(t, uint64(1000), tasks)
}

func TestLifecycleIsLogged(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, _ := newPool(t, exitTask, procpool.Workers(1), procpool.Logger(logger))
	_, _ = p.Submit(bg(), 5).Result(bg())
	_, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err)
	require.NoError(t, p.Close())
	for _, want := range []string{"started worker", "worker ready", "worker died", "exit status 5", "worker exited"} {
		assert.Contains(t, buf.String(), want)
	}
}

func TestCancelledWhileQueuedNeverRuns(t *testing.T) {
	p, stderr := newPool(t, blockTask, procpool.Workers(1), procpool.KillGrace(time.Minute))
	running := p.Submit(bg(), 0)
	waitForPid(t, stderr)
	ctx, cancel := context.WithCancel(bg())
	queued := p.Submit(ctx, 0)
	cancel()
	_, err := queued.Result(bg())
	require.ErrorIs(t, err, context.Canceled)
	running.Cancel()
	_, _ = running.Result(bg())
	require.NoError(t, p.Close())
	assert.Equal(t, 1, bytes.Count([]byte(stderr.String()), []byte("running pid=")), "the queued input never started")
}

func TestTrySubmitReportsAFullQueue(t *testing.T) {
	p, stderr := newPool(t, blockTask, procpool.Workers(1), procpool.QueueSize(1), procpool.KillGrace(50*time.Millisecond))
	running := p.Submit(bg(), 0)
	waitForPid(t, stderr)
	queued, err := p.TrySubmit(bg(), 0)
	require.NoError(t, err, "the queue has room for one")
	_, err = p.TrySubmit(bg(), 0)
	assert.ErrorIs(t, err, pool.ErrQueueFull, "TrySubmit never waits")
	queued.Cancel()
	running.Cancel()
}

func TestStatsShowTheMemoryOfReadyWorkers(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("RSS is measured on Linux")
	}
	p, _ := newPool(t, squareTask, procpool.Workers(2), procpool.Prestart())
	eventually(t, 10*time.Second, func() bool { return p.Stats().Workers == 2 }, "workers did not start")
	for _, w := range p.Stats().Procs {
		assert.NotZero(t, w.RSS, "worker %d is ready but shows no memory before its first input", w.Slot)
		assert.Zero(t, w.Tasks)
	}
}
