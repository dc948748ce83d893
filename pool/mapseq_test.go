package pool_test

import (
	"context"
	"iter"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/pool"
)

// naturals yields 0, 1, 2, ... for ever, counting what it produced.
func naturals(produced *atomic.Int64) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := 0; ; i++ {
			produced.Add(1)
			if !yield(i) {
				return
			}
		}
	}
}

func TestMapSeqOrderAndCount(t *testing.T) {
	p := pool.New(square, pool.Workers(3))
	defer p.Close()
	n := 0
	for v, err := range p.MapSeq(context.Background(), func(yield func(int) bool) {
		for i := range 50_000 {
			if !yield(i) {
				return
			}
		}
	}) {
		require.NoError(t, err)
		require.Equal(t, n*n, v)
		n++
	}
	assert.Equal(t, 50_000, n)
}

func TestMapSeqEndlessInputAndBreak(t *testing.T) {
	var produced, inFlight, maxInFlight atomic.Int64
	p := pool.New(func(ctx context.Context, x int) (int, error) {
		cur := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if cur <= m || maxInFlight.CompareAndSwap(m, cur) {
				break
			}
		}
		return x, nil
	}, pool.Workers(2))
	defer p.Close()

	const want = 200_000
	n := 0
	for v, err := range p.MapSeq(context.Background(), naturals(&produced)) {
		require.NoError(t, err)
		require.Equal(t, n, v)
		n++
		if n == want {
			break
		}
	}
	assert.Equal(t, want, n)
	assert.Zero(t, inFlight.Load(), "breaking out joins every task in flight")
	// The window is 2 batches per worker of at most 1024 inputs, plus the
	// batch being filled.
	assert.LessOrEqual(t, produced.Load()-want, int64(5*1024), "the input is read at most a window ahead")
}

func TestMapSeqBreakCancelsRunningTasks(t *testing.T) {
	var produced atomic.Int64
	started := make(chan struct{}, 100)
	cancelled := make(chan struct{}, 100)
	p := pool.New(func(ctx context.Context, x int) (int, error) {
		if x == 0 {
			<-started // the first output waits until a later task runs
			started <- struct{}{}
			return x, nil
		}
		started <- struct{}{}
		<-ctx.Done() // only a cancelled ctx ends these
		cancelled <- struct{}{}
		return 0, ctx.Err()
	}, pool.Workers(2))
	defer p.Close()
	for v, err := range p.MapSeq(context.Background(), naturals(&produced)) {
		require.NoError(t, err)
		require.Equal(t, 0, v)
		break
	}
	assert.NotEmpty(t, cancelled, "a task was running when the loop broke")
	assert.Equal(t, len(started), len(cancelled), "every task that started saw its ctx cancelled before the loop ended")
}

func TestMapSeqFailuresAreYieldedAndStreamGoesOn(t *testing.T) {
	p := pool.New(func(ctx context.Context, x int) (int, error) {
		switch {
		case x%10 == 3:
			return 0, errBoom
		case x == 55:
			panic("kaboom")
		case x == 77:
			runtime.Goexit()
		}
		return x, nil
	}, pool.Workers(2))
	defer p.Close()
	i := 0
	for v, err := range p.MapSeq(context.Background(), func(yield func(int) bool) {
		for i := range 100 {
			if !yield(i) {
				return
			}
		}
	}) {
		switch {
		case i%10 == 3:
			var te *pool.TaskError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, i, te.Index)
			assert.ErrorIs(t, err, errBoom)
		case i == 55:
			var pe *pool.PanicError
			assert.ErrorAs(t, err, &pe)
		case i == 77:
			assert.ErrorIs(t, err, pool.ErrGoexit)
		default:
			require.NoError(t, err)
			assert.Equal(t, i, v)
		}
		i++
	}
	assert.Equal(t, 100, i)
}

func TestMapSeqCtxCancelledStops(t *testing.T) {
	var produced atomic.Int64
	p := pool.New(square, pool.Workers(2))
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var last error
	n := 0
	for _, err := range p.MapSeq(ctx, naturals(&produced)) {
		n++
		if n == 1000 {
			cancel()
		}
		last = err
	}
	assert.ErrorIs(t, last, context.Canceled, "the stream ends with ctx's error")
}

func TestMapSeqAfterClose(t *testing.T) {
	p := pool.New(square)
	require.NoError(t, p.Close())
	var errs []error
	for _, err := range p.MapSeq(context.Background(), func(yield func(int) bool) { yield(1) }) {
		errs = append(errs, err)
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], pool.ErrClosed)
}

// A MapSeq batch whose task ends its goroutine with runtime.Goexit after
// Shutdown gave up is resumed on a new goroutine and cancelled there, not
// dropped as if it had never run: each input is counted once.
func TestMapSeqBatchResumedAfterShutdownGaveUpCountsEachInputOnce(t *testing.T) {
	started := make(chan struct{})
	p := pool.New(func(ctx context.Context, i int) (int, error) {
		if i == 1 {
			close(started)
			<-ctx.Done()
			runtime.Goexit()
		}
		return i, nil
	}, pool.Workers(1), pool.BatchSize(4))
	var errs []error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, err := range p.MapSeq(context.Background(), slices.Values([]int{0, 1, 2, 3})) {
			errs = append(errs, err)
		}
	}()
	<-started
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, p.Shutdown(ended), context.Canceled)
	<-done
	require.NotEmpty(t, errs)
	s := p.Stats()
	assert.Zero(t, s.Queued, "%+v", s)
	assert.Zero(t, s.Running, "%+v", s)
	// The stream may have sent only the first inputs before Shutdown.
	assert.LessOrEqual(t, s.Submitted, uint64(4), "%+v", s)
	assert.Equal(t, s.Submitted, s.Completed+s.Failed+s.Cancelled, "every input counted once: %+v", s)
}

// CancelQueued lets running inputs finish: a MapSeq batch resumed after its
// task called runtime.Goexit goes on, and does not cancel the stream's
// other inputs.
func TestCancelQueuedLetsABatchResumedAfterGoexitGoOn(t *testing.T) {
	started := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	release := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	p := pool.New(func(ctx context.Context, i int) (int, error) {
		close(started[i])
		<-release[i]
		if i == 1 {
			runtime.Goexit()
		}
		return 42, nil
	}, pool.Workers(2), pool.BatchSize(1))
	results := make(chan error, 2)
	var outs []int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for out, err := range p.MapSeq(context.Background(), slices.Values([]int{0, 1})) {
			outs = append(outs, out)
			results <- err
		}
	}()
	<-started[0]
	<-started[1]
	cancelled := make(chan error, 1)
	go func() { cancelled <- p.CancelQueued(context.Background()) }()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	require.Eventually(t, func() bool {
		_, err := p.Submit(ended, 0).Result(context.Background())
		return err == pool.ErrClosed
	}, 10*time.Second, time.Millisecond, "CancelQueued never closed the pool")
	close(release[1])
	close(release[0])
	<-done
	require.NoError(t, <-results, "input 0, running when CancelQueued began, finishes")
	var taskErr *pool.TaskError
	require.ErrorAs(t, <-results, &taskErr, "input 1 ended its goroutine")
	assert.Equal(t, 1, taskErr.Index)
	assert.Equal(t, 42, outs[0])
	require.NoError(t, <-cancelled)
}
