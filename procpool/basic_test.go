package procpool_test

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

func TestSubmitRunsInAnotherProcess(t *testing.T) {
	p, _ := newPool(t, pidTask, procpool.Workers(2))
	pid, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err)
	assert.NotEqual(t, os.Getpid(), pid)
	assert.Contains(t, children(t), pid, "the worker is a child of the pool's process")
}

func TestSubmitManyKeepsEachResult(t *testing.T) {
	p, _ := newPool(t, squareTask, procpool.Workers(2))
	fs := make([]*future.Future[int], 2000)
	for i := range fs {
		fs[i] = p.Submit(bg(), i)
	}
	for i, f := range fs {
		v, err := f.Result(bg())
		require.NoError(t, err)
		require.Equal(t, i*i, v)
	}
}

func TestTaskErrorCrossesWithTheChildsMessage(t *testing.T) {
	p, _ := newPool(t, failTask, procpool.Workers(1))
	_, err := p.Submit(bg(), 3).Result(bg())
	var re *procpool.RemoteError
	require.ErrorAs(t, err, &re)
	assert.EqualError(t, err, "odd input 3: boom")
	v, err := p.Submit(bg(), 4).Result(bg())
	require.NoError(t, err)
	assert.Equal(t, 4, v)
}

func TestMapInOrder(t *testing.T) {
	p, _ := newPool(t, squareTask, procpool.Workers(2))
	outs, err := p.Map(bg(), ints(50_000))
	require.NoError(t, err)
	require.Len(t, outs, 50_000)
	for i, v := range outs {
		require.Equal(t, i*i, v)
	}
}

func TestMapFirstFailure(t *testing.T) {
	f, _ := newPool(t, failTask, procpool.Workers(2))
	_, err := f.Map(bg(), []int{0, 2, 4, 5, 6})
	var te *pool.TaskError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 3, te.Index)
	assert.EqualError(t, err, "pool: input 3: odd input 5: boom")
}

func TestMapSeqStreamsWithFailures(t *testing.T) {
	p, _ := newPool(t, failTask, procpool.Workers(2))
	i := 0
	for v, err := range p.MapSeq(bg(), func(yield func(int) bool) {
		for n := 0; ; n++ {
			if !yield(n) {
				return
			}
		}
	}) {
		if i%2 == 1 {
			var te *pool.TaskError
			require.ErrorAs(t, err, &te)
			require.Equal(t, i, te.Index)
		} else {
			require.NoError(t, err)
			require.Equal(t, i, v)
		}
		i++
		if i == 20_000 {
			break
		}
	}
	assert.Equal(t, 20_000, i)
}

func TestSwapEngines(t *testing.T) {
	square := func(ctx context.Context, x int) (int, error) { return x * x, nil }
	for name, ex := range map[string]pool.Executor[int, int]{
		"pool":     pool.New(square),
		"procpool": procpool.New(squareTask, procpool.Stderr(os.Stderr)),
	} {
		outs, err := ex.Map(bg(), []int{1, 2, 3})
		require.NoError(t, err, name)
		assert.Equal(t, []int{1, 4, 9}, outs, name)
		require.NoError(t, ex.Close(), name)
	}
	assertNoChildren(t)
}

func TestSubmitAfterClose(t *testing.T) {
	p := procpool.New(squareTask)
	require.NoError(t, p.Close())
	_, err := p.Submit(bg(), 1).Result(bg())
	assert.ErrorIs(t, err, pool.ErrClosed)
	_, err = p.Map(bg(), ints(3))
	assert.ErrorIs(t, err, pool.ErrClosed)
	_, err = p.TrySubmit(bg(), 1)
	assert.ErrorIs(t, err, pool.ErrClosed)
}

func TestWorkersGetTheirShareOfCPUs(t *testing.T) {
	p, _ := newPool(t, gomaxprocsTask, procpool.Workers(2))
	v, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err)
	assert.Equal(t, max(1, runtime.GOMAXPROCS(0)/2), v, "a share of the CPUs the parent may use")
}
