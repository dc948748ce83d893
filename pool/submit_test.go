package pool_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

func TestSubmitResults(t *testing.T) {
	p := pool.New(square, pool.Workers(3))
	defer p.Close()
	ctx := context.Background()
	fs := make([]*future.Future[int], 500)
	for i := range fs {
		fs[i] = p.Submit(ctx, i)
	}
	for i, f := range fs {
		v, err := f.Result(ctx)
		require.NoError(t, err)
		require.Equal(t, i*i, v)
	}
}

func TestSubmitPanicBecomesPanicError(t *testing.T) {
	p := pool.New(func(ctx context.Context, x int) (int, error) {
		if x == 1 {
			panic("kaboom")
		}
		return x, nil
	}, pool.Workers(1))
	defer p.Close()
	ctx := context.Background()

	_, err := p.Submit(ctx, 1).Result(ctx)
	var pe *pool.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "kaboom", pe.Value)
	assert.Contains(t, string(pe.Stack), "pool_test.TestSubmitPanicBecomesPanicError", "the stack shows where the task panicked")
	assert.EqualError(t, err, "pool: task panicked: kaboom")

	v, err := p.Submit(ctx, 2).Result(ctx)
	require.NoError(t, err, "the pool goes on after a panic")
	assert.Equal(t, 2, v)
	assert.Equal(t, uint64(1), p.Stats().Panicked)
}

func TestPanicErrorUnwrapsErrorValue(t *testing.T) {
	p := pool.New(func(ctx context.Context, x int) (int, error) { panic(errBoom) }, pool.Workers(1))
	defer p.Close()
	_, err := p.Submit(context.Background(), 1).Result(context.Background())
	assert.ErrorIs(t, err, errBoom)
}

func TestSubmitGoexitSettlesAndWorkerIsReplaced(t *testing.T) {
	p := pool.New(func(ctx context.Context, x int) (int, error) {
		if x < 0 {
			runtime.Goexit()
		}
		return x, nil
	}, pool.Workers(1))
	defer p.Close()
	ctx := context.Background()

	for range 3 {
		_, err := p.Submit(ctx, -1).Result(ctx)
		require.ErrorIs(t, err, pool.ErrGoexit)
	}
	v, err := p.Submit(ctx, 5).Result(ctx)
	require.NoError(t, err, "a new worker goroutine takes over")
	assert.Equal(t, 5, v)
	assert.Equal(t, 1, p.Stats().Workers)
}

func TestCancelWhileQueuedNeverRuns(t *testing.T) {
	g := newGate()
	var ran atomic.Int32
	p := pool.New(func(ctx context.Context, x int) (int, error) {
		if x == 0 {
			return g.task(ctx, x)
		}
		ran.Add(1)
		return x, nil
	}, pool.Workers(1))
	defer p.Close()

	bg := context.Background()
	first := p.Submit(bg, 0)
	<-g.started
	ctx, cancel := context.WithCancel(bg)
	byCtx := p.Submit(ctx, 1)
	byCancel := p.Submit(bg, 2)

	cancel()
	require.True(t, byCancel.Cancel())
	_, err := byCtx.Result(bg)
	assert.ErrorIs(t, err, context.Canceled, "a queued task settles as soon as its ctx ends")
	_, err = byCancel.Result(bg)
	assert.ErrorIs(t, err, context.Canceled)

	close(g.release)
	_, err = first.Result(bg)
	require.NoError(t, err)
	require.NoError(t, p.Close())
	assert.Zero(t, ran.Load(), "cancelled tasks never run")
	s := p.Stats()
	assert.Equal(t, uint64(2), s.Cancelled)
	assert.Equal(t, uint64(1), s.Completed)
}

func TestCancelWhileRunningCancelsTaskCtx(t *testing.T) {
	for _, how := range []string{"ctx", "Cancel"} {
		t.Run(how, func(t *testing.T) {
			sawErr := make(chan error, 1)
			g := newGate()
			p := pool.New(func(ctx context.Context, x int) (int, error) {
				_, err := g.task(ctx, x)
				sawErr <- ctx.Err()
				return 0, err
			}, pool.Workers(1))
			defer p.Close()

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			f := p.Submit(ctx, 1)
			<-g.started
			if how == "ctx" {
				cancel()
			} else {
				require.True(t, f.Cancel())
			}
			_, err := f.Result(context.Background())
			assert.ErrorIs(t, err, context.Canceled)
			assert.ErrorIs(t, <-sawErr, context.Canceled, "the running task sees its ctx cancelled")
		})
	}
}

func TestTaskCtxCarriesParentValues(t *testing.T) {
	type key struct{}
	p := pool.New(func(ctx context.Context, x int) (string, error) {
		return ctx.Value(key{}).(string), nil
	}, pool.Workers(1))
	defer p.Close()
	ctx := context.WithValue(context.Background(), key{}, "carried")
	v, err := p.Submit(ctx, 1).Result(ctx)
	require.NoError(t, err)
	assert.Equal(t, "carried", v)
}

func TestTaskCtxEndsWhenTaskReturns(t *testing.T) {
	leaked := make(chan context.Context, 1)
	p := pool.New(func(ctx context.Context, x int) (int, error) {
		leaked <- ctx
		return x, nil
	}, pool.Workers(1))
	defer p.Close()
	_, err := p.Submit(context.Background(), 1).Result(context.Background())
	require.NoError(t, err)
	ctx := <-leaked
	<-ctx.Done()
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
}

func TestTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type seen struct {
			err         error
			hasDeadline bool
		}
		saw := make(chan seen, 1)
		p := pool.New(func(ctx context.Context, x int) (int, error) {
			_, ok := ctx.Deadline()
			<-ctx.Done()
			saw <- seen{ctx.Err(), ok}
			return 0, ctx.Err()
		}, pool.Workers(1), pool.Timeout(50*time.Millisecond))
		defer p.Close()

		_, err := p.Submit(context.Background(), 1).Result(context.Background())
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		s := <-saw
		assert.ErrorIs(t, s.err, context.DeadlineExceeded)
		assert.True(t, s.hasDeadline, "the task's ctx carries the deadline")
	})
}

func TestBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		p := pool.New(g.task, pool.Workers(1), pool.QueueSize(1))
		defer p.Close()
		bg := context.Background()

		running := p.Submit(bg, 0)
		<-g.started
		queued := p.Submit(bg, 1)

		_, err := p.TrySubmit(bg, 2)
		assert.ErrorIs(t, err, pool.ErrQueueFull, "TrySubmit never blocks")

		var returned atomic.Bool
		var blocked *future.Future[int]
		go func() {
			blocked = p.Submit(bg, 2)
			returned.Store(true)
		}()
		synctest.Wait()
		assert.False(t, returned.Load(), "Submit blocks while the queue is full")

		ctx, cancel := context.WithCancel(bg)
		cancel()
		_, err = p.Submit(ctx, 3).Result(bg)
		assert.ErrorIs(t, err, context.Canceled, "a blocked Submit gives up when its ctx ends")

		close(g.release)
		synctest.Wait()
		assert.True(t, returned.Load(), "Submit returns once there is room")
		for i, f := range []*future.Future[int]{running, queued, blocked} {
			v, err := f.Result(bg)
			require.NoError(t, err)
			assert.Equal(t, i, v)
		}
	})
}

func TestQueueSizeZeroHandsOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		p := pool.New(g.task, pool.Workers(1), pool.QueueSize(0))
		defer p.Close()
		bg := context.Background()
		first := p.Submit(bg, 0)
		<-g.started
		_, err := p.TrySubmit(bg, 1)
		assert.ErrorIs(t, err, pool.ErrQueueFull)
		close(g.release)
		_, err = first.Result(bg)
		require.NoError(t, err)
	})
}

// A task's context says why it ended and keeps saying it, as a context
// must: a task past its Timeout sees DeadlineExceeded, and still does
// after its caller cancels the parent, as a deferred cancel does.
func TestTaskContextErrNeverChanges(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := make(chan context.Context, 1)
	release := make(chan struct{})
	p := pool.New(func(ctx context.Context, _ int) (int, error) {
		<-ctx.Done()
		seen <- ctx
		<-release
		return 0, nil
	}, pool.Workers(1), pool.Timeout(10*time.Millisecond))
	defer p.Close()
	_, err := p.Submit(parent, 0).Result(context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	ctx := <-seen
	require.Equal(t, context.DeadlineExceeded, ctx.Err())
	cancel()
	assert.Equal(t, context.DeadlineExceeded, ctx.Err(), "the task's context changed its reason after Done")
	close(release)
}
