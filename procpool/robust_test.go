package procpool_test

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

func TestOutputTheParentCannotDecodeFailsThatWorkerOnly(t *testing.T) {
	p, _ := newPool(t, fragileOutTask, procpool.Workers(1))
	_, err := p.Submit(bg(), 7).Result(bg())
	require.ErrorIs(t, err, procpool.ErrWorkerDied)
	assert.Contains(t, err.Error(), "fragile: refusing to decode", "the error says why the reply was refused")
	v, err := p.Submit(bg(), 1).Result(bg())
	require.NoError(t, err, "the next worker serves")
	assert.Equal(t, "ok", string(v))
}

func TestInputTheWorkerCannotDecodeFailsAloneAndAtOnce(t *testing.T) {
	p, _ := newPool(t, fragileInTask, procpool.Workers(1))
	_, err := p.Map(bg(), []fragile{fragile("a"), fragile("b"), fragile("c")}) // let the depth grow
	require.NoError(t, err)
	slow := p.Submit(bg(), fragile("slow"))
	bad := p.Submit(bg(), fragile("X marks it"))
	v, err := slow.Result(bg())
	require.NoError(t, err, "the input running beside the bad one is not harmed")
	assert.Equal(t, "slow", v)
	_, err = bad.Result(bg())
	require.ErrorIs(t, err, procpool.ErrEncode)
	assert.Contains(t, err.Error(), "the worker cannot decode it")
	assert.Zero(t, p.Stats().Died, "no worker died for it")

	// In a batch, only the bad input fails.
	var errs []int
	for i, err := range indexed(p.MapSeq(bg(), func(yield func(fragile) bool) {
		for _, s := range []string{"a", "b", "X", "d"} {
			if !yield(fragile(s)) {
				return
			}
		}
	})) {
		if err != nil {
			errs = append(errs, i)
		}
	}
	assert.Equal(t, []int{2}, errs)
}

// indexed numbers the pairs of seq.
func indexed[V any](seq func(func(V, error) bool)) func(func(int, error) bool) {
	return func(yield func(int, error) bool) {
		i := 0
		for _, err := range seq {
			if !yield(i, err) {
				return
			}
			i++
		}
	}
}

func TestShutdownDeadlineDuringSlowStart(t *testing.T) {
	var log syncBuffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, _ := newPool(t, initializedTask, procpool.Workers(2), procpool.Logger(logger),
		procpool.Init(initTask, "sleep"))
	fs := make([]*future.Future[string], 20)
	for i := range fs {
		fs[i] = p.Submit(bg(), i)
	}
	eventually(t, 10*time.Second, func() bool { return strings.Contains(log.String(), "started worker") },
		"no worker started")
	ctx, cancel := context.WithTimeout(bg(), 50*time.Millisecond)
	defer cancel()
	// The initializer sleeps a minute: a Shutdown that waited for it would
	// take that long.
	start := time.Now()
	require.ErrorIs(t, p.Shutdown(ctx), context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 30*time.Second, "Shutdown waited for a slow start after its deadline")
	started := strings.Count(log.String(), "started worker")
	for _, f := range fs {
		_, err := f.Result(bg())
		assert.ErrorIs(t, err, pool.ErrShutdownCancel)
	}
	assert.Equal(t, started, strings.Count(log.String(), "started worker"), "no worker starts after Shutdown gave up")
	assert.Empty(t, children(t))
}

func TestDescendantHoldingStderrDoesNotDelayReaping(t *testing.T) {
	p, _ := newPool(t, orphanTask, procpool.Workers(1))
	orphan, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err)
	// The descendant sleeps a minute holding the worker's stderr: a Close
	// that waited for the end of that stderr would take that long.
	start := time.Now()
	require.NoError(t, p.Close())
	assert.Less(t, time.Since(start), 30*time.Second, "Close waited for a descendant that holds the worker's stderr")
	eventually(t, 10*time.Second, func() bool { return !alive(orphan) }, "the worker's descendant outlived it")
}

func TestLaunchedWorkersKeepTheirOwnCPUCount(t *testing.T) {
	self := func(int) *exec.Cmd { return exec.Command(os.Args[0]) }
	p, _ := newPool(t, gomaxprocsTask, procpool.Launch(1, self))
	v, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err)
	assert.Equal(t, runtime.GOMAXPROCS(0), v, "a launched worker may be on another machine: no CPU share is imposed")
}

func TestRecycleAfterHoldsWithinBatches(t *testing.T) {
	p, _ := newPool(t, pidTask, procpool.Workers(2), procpool.RecycleAfter(10))
	pids, err := p.Map(bg(), ints(200))
	require.NoError(t, err)
	perPid := map[int]int{}
	for _, pid := range pids {
		perPid[pid]++
	}
	for pid, n := range perPid {
		assert.LessOrEqual(t, n, 10, "worker %d ran more inputs than RecycleAfter allows", pid)
	}
	assert.GreaterOrEqual(t, len(perPid), 20)
}

func TestMaxRSSHoldsWithinBatches(t *testing.T) {
	const limit = 64 << 20
	p, _ := newPool(t, leakTask, procpool.Workers(1), procpool.MaxRSS(limit))
	peak := uint64(0)
	for _, err := range p.MapSeq(bg(), func(yield func(int) bool) {
		for range 60 {
			if !yield(4) { // 4 MiB each: 240 MiB in all
				return
			}
		}
	}) {
		require.NoError(t, err)
		for _, w := range p.Stats().Procs {
			peak = max(peak, w.RSS)
		}
	}
	assert.Less(t, peak, uint64(limit+16<<20), "a worker grew well past MaxRSS")
	assert.GreaterOrEqual(t, p.Stats().Recycled, uint64(3))
}

func TestIdleWorkersTakeWorkFirst(t *testing.T) {
	p, _ := newPool(t, slowPidTask, procpool.Workers(2), procpool.Prestart())
	eventually(t, 10*time.Second, func() bool { return p.Stats().Workers == 2 }, "workers did not start")
	sq, _ := p.Map(bg(), []int{0}) // a fast first reply would let one worker queue many
	require.Len(t, sq, 1)
	pids, err := p.Map(bg(), ints(4))
	require.NoError(t, err)
	distinct := map[int]bool{}
	for _, pid := range pids {
		distinct[pid] = true
	}
	assert.Len(t, distinct, 2, "both workers ran slow inputs")
}

func TestTasksOneAfterAnotherStartOneWorker(t *testing.T) {
	var log syncBuffer
	logger := slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, _ := newPool(t, pidTask, procpool.Workers(4), procpool.Logger(logger))
	pids := map[int]bool{}
	for i := range 10 {
		pid, err := p.Submit(bg(), i).Result(bg())
		require.NoError(t, err)
		pids[pid] = true
	}
	assert.Len(t, pids, 1, "inputs submitted one after another ran on one worker")
	assert.Equal(t, 1, strings.Count(log.String(), "started worker"), "a process starts only when no started worker can take the input")
}
