package pool_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/pool"
)

func TestMapKeepsInputOrder(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000, 100_003} {
		p := pool.New(square, pool.Workers(4))
		outs, err := p.Map(context.Background(), ints(n))
		require.NoError(t, err)
		require.Len(t, outs, n)
		for i, v := range outs {
			require.Equal(t, i*i, v)
		}
		require.NoError(t, p.Close())
		assert.Equal(t, uint64(n), p.Stats().Completed)
	}
}

func TestMapStopsAtFirstFailure(t *testing.T) {
	const n, bad = 10_000, 100
	var started atomic.Int32
	p := pool.New(func(ctx context.Context, x int) (int, error) {
		started.Add(1)
		if x == bad {
			return 0, errBoom
		}
		return x, nil
	}, pool.Workers(2))
	defer p.Close()

	outs, err := p.Map(context.Background(), ints(n))
	assert.Nil(t, outs)
	var te *pool.TaskError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, bad, te.Index)
	assert.ErrorIs(t, err, errBoom)
	assert.EqualError(t, err, "pool: input 100: boom")
	assert.Less(t, int(started.Load()), n, "Map stops starting work after the failure")

	require.NoError(t, p.Close())
	s := p.Stats()
	assert.Equal(t, uint64(1), s.Failed)
	assert.Equal(t, uint64(n), s.Completed+s.Failed+s.Cancelled, "every input is accounted for")
}

func TestMapFailureCancelsRunningTasks(t *testing.T) {
	g := newGate()
	p := pool.New(func(ctx context.Context, x int) (int, error) {
		if x == 1 {
			<-g.started // fail only once the other task runs
			return 0, errBoom
		}
		return g.task(ctx, x) // returns only when its ctx is cancelled
	}, pool.Workers(2))
	defer p.Close()

	_, err := p.Map(context.Background(), []int{0, 1})
	var te *pool.TaskError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 1, te.Index, "the failure, not the cancellation it caused, is reported")
}

func TestMapPanicAndGoexit(t *testing.T) {
	p := pool.New(func(ctx context.Context, x int) (int, error) {
		switch x {
		case -1:
			panic("kaboom")
		case -2:
			runtime.Goexit()
		}
		return x, nil
	}, pool.Workers(2))
	defer p.Close()
	ctx := context.Background()

	ins := ints(1000)
	ins[500] = -1
	_, err := p.Map(ctx, ins)
	var pe *pool.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "kaboom", pe.Value)

	ins[500] = -2
	_, err = p.Map(ctx, ins)
	require.ErrorIs(t, err, pool.ErrGoexit)

	outs, err := p.Map(ctx, ints(1000))
	require.NoError(t, err, "the pool goes on")
	assert.Equal(t, 999, outs[999])
	assert.Equal(t, 2, p.Stats().Workers)
}

func TestMapCtxCancelled(t *testing.T) {
	g := newGate()
	p := pool.New(g.task, pool.Workers(2))
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-g.started
		cancel()
	}()
	outs, err := p.Map(ctx, ints(100))
	assert.Nil(t, outs)
	assert.ErrorIs(t, err, context.Canceled)
	var te *pool.TaskError
	assert.NotErrorAs(t, err, &te, "ending ctx is not any input's fault")
}

func TestMapAfterClose(t *testing.T) {
	p := pool.New(square)
	require.NoError(t, p.Close())
	_, err := p.Map(context.Background(), ints(10))
	assert.ErrorIs(t, err, pool.ErrClosed)
	_, err = p.Map(context.Background(), nil)
	assert.ErrorIs(t, err, pool.ErrClosed)
}

// A task that fails with ErrClosed (a pool of its own was shut down) fails
// Map with a TaskError naming it, as any failure does: Map answers bare
// ErrClosed only when the pool itself refused it.
func TestMapTaskFailingWithErrClosedIsATaskError(t *testing.T) {
	p := pool.New(func(_ context.Context, i int) (int, error) {
		if i == 2 {
			return 0, pool.ErrClosed
		}
		return i, nil
	}, pool.Workers(2))
	defer p.Close()
	_, err := p.Map(context.Background(), []int{0, 1, 2, 3})
	var taskErr *pool.TaskError
	require.ErrorAs(t, err, &taskErr)
	assert.Equal(t, 2, taskErr.Index)
	assert.ErrorIs(t, err, pool.ErrClosed)
}
