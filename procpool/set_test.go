package procpool_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// Pools of several tasks on one set of worker processes.

var (
	upperTask = procpool.Register("upper", func(_ context.Context, s string) (string, error) {
		return strings.ToUpper(s), nil
	})
	lengthTask = procpool.Register("length", func(_ context.Context, s string) (int, error) {
		return len(s), nil
	})
)

// newSet returns a set closed, and checked to leave no process behind,
// when the test ends.
func newSet(t *testing.T, opts ...procpool.Option) (*procpool.Set, *syncBuffer) {
	t.Helper()
	stderr := &syncBuffer{}
	s := procpool.NewSet(append([]procpool.Option{procpool.Stderr(stderr)}, opts...)...)
	t.Cleanup(func() {
		require.NoError(t, s.Close())
		assertNoChildren(t)
	})
	return s, stderr
}

func TestSetRunsThreeTasksOnItsWorkers(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(2))
	squares := procpool.New(squareTask, procpool.On(set))
	uppers := procpool.New(upperTask, procpool.On(set))
	lengths := procpool.New(lengthTask, procpool.On(set))
	for round := range 5 {
		outs, err := squares.Map(bg(), ints(100))
		require.NoError(t, err)
		assert.Equal(t, 99*99, outs[99])
		up, err := uppers.Submit(bg(), fmt.Sprint("round ", round)).Result(bg())
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint("ROUND ", round), up)
		n, err := lengths.Submit(bg(), "four").Result(bg())
		require.NoError(t, err)
		assert.Equal(t, 4, n)
	}
	st := set.Stats()
	assert.LessOrEqual(t, st.Started, uint64(2), "three tasks on two workers start two processes")
	assert.Equal(t, 3, st.Pools)
}

// napTask says "napping" on stderr, sleeps x milliseconds and returns its
// worker's pid.
var napTask = procpool.Register("nap", func(ctx context.Context, x int) (int, error) {
	fmt.Fprintf(os.Stderr, "napping pid=%d\n", os.Getpid())
	select {
	case <-time.After(time.Duration(x) * time.Millisecond):
		return os.Getpid(), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
})

func TestSetPoolsShareTheProcesses(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(2))
	a := procpool.New(pidTask, procpool.On(set))
	b := procpool.New(slowPidTask, procpool.On(set))
	pids := map[int]bool{}
	for range 10 {
		outs, err := a.Map(bg(), ints(4))
		require.NoError(t, err)
		for _, pid := range outs {
			pids[pid] = true
		}
		pid, err := b.Submit(bg(), 0).Result(bg())
		require.NoError(t, err)
		pids[pid] = true
	}
	assert.LessOrEqual(t, len(pids), 2, "two pools on a set of two workers ran in %d processes", len(pids))
	assert.Equal(t, uint64(len(pids)), set.Stats().Started)
}

func TestSetCrashFailsOnlyTheInputThatRan(t *testing.T) {
	set, stderr := newSet(t, procpool.Workers(2))
	naps := procpool.New(napTask, procpool.On(set))
	exits := procpool.New(exitTask, procpool.On(set))
	nap := naps.Submit(bg(), 1000)
	eventually(t, 10*time.Second, func() bool { return strings.Contains(stderr.String(), "napping") }, "the nap never started")

	_, err := exits.Submit(bg(), 3).Result(bg())
	require.ErrorIs(t, err, procpool.ErrWorkerDied)
	assert.False(t, nap.Settled(), "the other pool's input was still running when the crash settled")
	pid, err := nap.Result(bg())
	require.NoError(t, err, "the other pool's running input finishes")
	assert.NotZero(t, pid)

	// The set replaces the process, and the crashing pool goes on.
	v, err := exits.Submit(bg(), 0).Result(bg())
	require.NoError(t, err)
	assert.Zero(t, v)
	assert.Equal(t, uint64(1), exits.Stats().Died)
	assert.Zero(t, naps.Stats().Died)
}

func TestSetCloseOfOnePoolLeavesTheOthers(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(1))
	a := procpool.New(squareTask, procpool.On(set))
	b := procpool.New(upperTask, procpool.On(set))
	_, err := a.Submit(bg(), 3).Result(bg())
	require.NoError(t, err)
	require.NoError(t, a.Close())
	_, err = a.Submit(bg(), 3).Result(bg())
	assert.ErrorIs(t, err, pool.ErrClosed)
	up, err := b.Submit(bg(), "still here").Result(bg())
	require.NoError(t, err)
	assert.Equal(t, "STILL HERE", up)
	assert.Equal(t, uint64(1), set.Stats().Started, "the closed pool gave its worker back to the set")
	assert.Equal(t, 1, set.Stats().Pools)
}

func TestSetCloseClosesItsPools(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(2))
	a := procpool.New(squareTask, procpool.On(set))
	b := procpool.New(napTask, procpool.On(set))
	nap := b.Submit(bg(), 200)
	_, err := a.Map(bg(), ints(10))
	require.NoError(t, err)

	require.NoError(t, set.Close())
	pid, err := nap.Result(bg())
	require.NoError(t, err, "closing the set lets what runs finish, as Shutdown does")
	assert.NotZero(t, pid)
	_, err = a.Submit(bg(), 1).Result(bg())
	assert.ErrorIs(t, err, pool.ErrClosed)
	_, err = b.Map(bg(), ints(3))
	assert.ErrorIs(t, err, pool.ErrClosed)
	assertNoChildren(t)

	late := procpool.New(squareTask, procpool.On(set))
	_, err = late.Submit(bg(), 1).Result(bg())
	assert.ErrorIs(t, err, pool.ErrClosed, "a pool made on a closed set is closed")
	require.NoError(t, late.Close())
	require.NoError(t, set.Close(), "closing twice")
}

// A flood of one pool's inputs does not starve another pool: the set takes
// a worker back from the flooding pool once what it carries is back.
func TestSetAFloodDoesNotStarveAnotherPool(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(2))
	flood := procpool.New(napTask, procpool.On(set))
	other := procpool.New(squareTask, procpool.On(set))
	ins := make([]int, 80) // 80 naps of 50ms on 2 workers: 2s
	for i := range ins {
		ins[i] = 50
	}
	floodDone := make(chan error, 1)
	go func() {
		_, err := flood.Map(bg(), ins)
		floodDone <- err
	}()
	eventually(t, 10*time.Second, func() bool { return flood.Stats().Running == 2 }, "the flood never filled both workers")

	for i := range 5 {
		start := time.Now()
		v, err := other.Submit(bg(), i).Result(bg())
		require.NoError(t, err)
		assert.Equal(t, i*i, v)
		assert.Less(t, time.Since(start), time.Second, "input %d of the other pool waited behind the flood", i)
	}
	select {
	case err := <-floodDone:
		t.Fatalf("the flood finished (%v) before the other pool's inputs: nothing was shown", err)
	default:
	}
	require.NoError(t, <-floodDone)
}

func TestSetOptionsBelongToTheSetOrThePool(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(1))
	assert.PanicsWithValue(t, "procpool: New: Workers is a setting of the Set the pool runs on: give it to NewSet",
		func() { procpool.New(squareTask, procpool.On(set), procpool.Workers(2)) })
	assert.PanicsWithValue(t, "procpool: New: MaxRSS is a setting of the Set the pool runs on: give it to NewSet",
		func() { procpool.New(squareTask, procpool.MaxRSS(1<<30), procpool.On(set)) })
	assert.PanicsWithValue(t, "procpool: NewSet: Timeout is a setting of each pool: give it to New",
		func() { procpool.NewSet(procpool.Timeout(time.Second)) })
	assert.PanicsWithValue(t, "procpool: NewSet: On is a setting of each pool: give it to New",
		func() { procpool.NewSet(procpool.On(set)) })
	assert.PanicsWithValue(t, "procpool: On(nil): need a Set from NewSet",
		func() { procpool.New(squareTask, procpool.On(nil)) })
}

func TestSetSettingsOfTheProcessesHoldAcrossPools(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(1), procpool.RecycleAfter(5), procpool.Init(initTask, "warm"), procpool.Prestart())
	eventually(t, 10*time.Second, func() bool { return set.Stats().Idle == 1 }, "Prestart started no worker")
	inits := procpool.New(initializedTask, procpool.On(set))
	pids := procpool.New(pidTask, procpool.On(set))
	seen := map[int]bool{}
	for range 6 {
		v, err := inits.Submit(bg(), 0).Result(bg())
		require.NoError(t, err)
		assert.Equal(t, "warm", v, "the set's initializer ran in the worker")
		pid, err := pids.Submit(bg(), 0).Result(bg())
		require.NoError(t, err)
		seen[pid] = true
	}
	// 12 inputs, recycled after every 5 of either pool's.
	assert.GreaterOrEqual(t, len(seen), 3, "RecycleAfter counts the inputs of every pool a worker serves")
	assert.GreaterOrEqual(t, set.Stats().Started, uint64(3))
}

func TestSetTimeoutIsEachPools(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(1))
	strict := procpool.New(blockTask, procpool.On(set), procpool.Timeout(50*time.Millisecond), procpool.KillGrace(50*time.Millisecond))
	lenient := procpool.New(napTask, procpool.On(set))
	_, err := strict.Submit(bg(), 1).Result(bg()) // ignores its context: killed
	require.ErrorIs(t, err, procpool.ErrKilled)
	_, err = strict.Submit(bg(), 0).Result(bg()) // returns when its context ends
	require.ErrorIs(t, err, context.DeadlineExceeded)
	pid, err := lenient.Submit(bg(), 150).Result(bg())
	require.NoError(t, err, "the other pool's input outlives the first pool's timeout")
	assert.NotZero(t, pid)
}

// A set's idle worker that dies (killed from outside, say) is replaced
// when a pool next needs one; nothing fails.
func TestSetReplacesAnIdleWorkerThatDied(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(1), procpool.Prestart())
	eventually(t, 10*time.Second, func() bool { return set.Stats().Idle == 1 }, "Prestart started no worker")
	pid := set.Stats().Procs[0].PID
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	p := procpool.New(pidTask, procpool.On(set))
	got, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err)
	assert.NotEqual(t, pid, got, "the input ran on a new worker")
	assert.Equal(t, uint64(2), set.Stats().Started)
}

// Shutting a set down with a context that ends kills what still runs, as
// Pool.Shutdown does, and leaves no process behind.
func TestSetShutdownThatGivesUpKillsWhatRuns(t *testing.T) {
	set, stderr := newSet(t, procpool.Workers(2))
	stuck := procpool.New(blockTask, procpool.On(set))
	other := procpool.New(squareTask, procpool.On(set))
	f := stuck.Submit(bg(), 1) // ignores its context
	eventually(t, 10*time.Second, func() bool { return strings.Contains(stderr.String(), "running") }, "the input never started")
	_, err := other.Map(bg(), ints(10))
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(bg(), 100*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, set.Shutdown(ctx), context.DeadlineExceeded)
	_, err = f.Result(bg())
	assert.ErrorIs(t, err, pool.ErrShutdownCancel)
	assertNoChildren(t)
}

// Retries and PoisonAfter are each pool's: an input that kills its worker
// is retried, and then given up, by its own pool's settings, while the
// set replaces the worker each time.
func TestSetRetriesAreEachPools(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(2))
	retrying := procpool.New(crashOnTask, procpool.On(set), procpool.Retries(3), procpool.PoisonAfter(2))
	once := procpool.New(crashOnTask, procpool.On(set))
	outs, err := retrying.Map(bg(), []int{1, 13, 2})
	var poison *procpool.PoisonError
	require.ErrorAs(t, err, &poison, "the input that kills every worker is poison after 2 deaths")
	assert.Equal(t, 2, poison.Deaths)
	assert.Nil(t, outs)
	_, err = once.Submit(bg(), 13).Result(bg())
	assert.ErrorIs(t, err, procpool.ErrWorkerDied, "without Retries, one death fails the input")
	assert.Equal(t, uint64(2), retrying.Stats().Died)
	assert.Equal(t, uint64(1), once.Stats().Died)
	v, err := once.Submit(bg(), 5).Result(bg())
	require.NoError(t, err)
	assert.Equal(t, 5, v)
}

// Two pools that both flood a set settle at equal shares of its workers
// rather than hand them back and forth all one way.
func TestSetTwoFloodsShareTheWorkersEvenly(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(4))
	a := procpool.New(napTask, procpool.On(set))
	b := procpool.New(napTask, procpool.On(set))
	ctx, cancel := context.WithCancel(bg())
	naps := slices.Repeat([]int{20}, 100_000)
	var flooding sync.WaitGroup
	flood := func(p *procpool.Pool[int, int]) {
		flooding.Go(func() {
			for range p.MapSeq(ctx, slices.Values(naps)) {
			}
		})
	}
	defer func() { cancel(); flooding.Wait() }()
	flood(a)
	eventually(t, 10*time.Second, func() bool { return a.Stats().Workers == 4 }, "the first flood never held the four workers")
	handed := set.Stats().Handed
	flood(b)
	eventually(t, 10*time.Second, func() bool { return a.Stats().Workers == 2 && b.Stats().Workers == 2 }, "the pools never settled at 2 and 2")
	assert.LessOrEqual(t, set.Stats().Handed-handed, uint64(3), "the first pool gave the second its two workers, and no more went back and forth")

	even := 0
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for range 40 {
		<-tick.C
		na, nb := a.Stats().Workers, b.Stats().Workers
		require.True(t, na >= 1 && nb >= 1, "a pool lost every worker to the other: %d and %d", na, nb)
		if na == 2 && nb == 2 {
			even++
		}
	}
	assert.GreaterOrEqual(t, even, 30, "the shares stay at 2 and 2 most of the time")
}

// A worker of a set that does not have a pool's task, or has another
// version of it, refuses the bind: the pool's input fails to start with
// the worker's reason, and the set keeps the process for the next pool.
func TestSetWorkerRefusesATaskItDoesNotHave(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(1), procpool.Command(func(int) *exec.Cmd {
		return exec.Command(buildTestProgram(t, "skew"))
	}))
	unknown := procpool.New(onlyHereTask, procpool.On(set))
	_, err := unknown.Submit(bg(), 1).Result(bg())
	require.ErrorIs(t, err, procpool.ErrStart)
	assert.Contains(t, err.Error(), `task "only-here" is not registered in the worker`)
	var first *procpool.WorkerError
	require.ErrorAs(t, err, &first)

	other := procpool.New(squareTask, procpool.On(set))
	_, err = other.Submit(bg(), 3).Result(bg())
	require.ErrorIs(t, err, procpool.ErrStart)
	assert.Contains(t, err.Error(), `task "square" differs between parent and worker`)
	var second *procpool.WorkerError
	require.ErrorAs(t, err, &second)

	assert.NotZero(t, first.PID)
	assert.Equal(t, first.PID, second.PID, "the process that refused one task was kept for the next")
	assert.Equal(t, uint64(1), set.Stats().Started, "a refusal is not a crash: no process was started again")
	require.NoError(t, unknown.Close())
	require.NoError(t, other.Close())
}
