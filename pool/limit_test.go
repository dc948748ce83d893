package pool_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

// probe gates the tasks of several pools and measures how much of a shared
// limit they take at once: each task adds its cost to running, raises peak
// to match, and blocks until it takes a token from release.
type probe struct {
	release chan struct{}
	running atomic.Int64
	peak    atomic.Int64
}

func newProbe() *probe { return &probe{release: make(chan struct{})} }

func (pr *probe) run(ctx context.Context, cost int64) error {
	now := pr.running.Add(cost)
	for old := pr.peak.Load(); now > old && !pr.peak.CompareAndSwap(old, now); old = pr.peak.Load() {
	}
	defer pr.running.Add(-cost)
	select {
	case <-pr.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// drive lets n tasks finish one at a time. Before each, it waits until
// every goroutine of the bubble is blocked, so every task that could start
// has started, and checks that they take no more than limit.
func (pr *probe) drive(t *testing.T, n int, limit int64) {
	for range n {
		synctest.Wait()
		assert.LessOrEqual(t, pr.running.Load(), limit, "tasks running on the limit at once")
		pr.release <- struct{}{}
	}
}

type point struct{ X, Y int }

// Three pools of different types, 4 workers each, on a limit of 3: never
// more than 3 tasks run, the limit is reached, and every input of each
// pool, whether submitted, mapped or streamed, gets its own output.
func TestLimitBoundsTasksAcrossTypedPools(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const perPool = 20
		l := pool.NewLimit(3)
		pr := newProbe()
		bg := context.Background()
		ints := pool.New(func(ctx context.Context, x int) (int, error) {
			return 2 * x, pr.run(ctx, 1)
		}, pool.Workers(4), pool.Within(l))
		words := pool.New(func(ctx context.Context, s string) (int, error) {
			return len(s), pr.run(ctx, 1)
		}, pool.Workers(4), pool.Within(l))
		points := pool.New(func(ctx context.Context, p point) (string, error) {
			return fmt.Sprint(p.X, p.Y), pr.run(ctx, 1)
		}, pool.Workers(4), pool.Within(l), pool.BatchSize(3))

		var sum atomic.Int64
		futures := make(chan int, perPool)
		go func() {
			var fs []*future.Future[int]
			for i := range perPool {
				fs = append(fs, ints.Submit(bg, i))
			}
			for _, f := range fs {
				v, err := f.Result(bg)
				assert.NoError(t, err)
				futures <- v
			}
			close(futures)
		}()
		mapped := make(chan []int, 1)
		go func() {
			outs, err := words.Map(bg, []string{19: "twenty"})
			assert.NoError(t, err)
			mapped <- outs
		}()
		go func() {
			n := 0
			for out, err := range points.MapSeq(bg, func(yield func(point) bool) {
				for i := range perPool {
					if !yield(point{i, -i}) {
						return
					}
				}
			}) {
				assert.NoError(t, err)
				assert.Equal(t, fmt.Sprint(n, -n), out)
				n++
			}
			sum.Add(int64(n))
		}()

		pr.drive(t, 3*perPool, 3)
		for v := range futures {
			sum.Add(int64(v))
		}
		assert.Equal(t, []int{19: 6}, <-mapped)
		synctest.Wait()
		assert.Equal(t, int64(perPool*(perPool-1)+perPool), sum.Load(), "sum of doubled ints plus streamed count")
		assert.Equal(t, int64(3), pr.peak.Load(), "the limit was reached, and never passed")
		for _, p := range []interface{ Close() error }{ints, words, points} {
			require.NoError(t, p.Close())
		}
	})
}

// Two pools whose inputs cost different numbers of slots: the costs of
// the tasks running never add up to more than the limit holds.
func TestLimitBoundsTheSumOfCosts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const capacity = 10
		l := pool.NewLimit(capacity)
		pr := newProbe()
		bg := context.Background()
		sizes := pool.New(func(ctx context.Context, n int64) (int64, error) {
			return n, pr.run(ctx, n)
		}, pool.Workers(5), pool.Within(l), pool.Cost(func(n int64) int64 { return n }))
		blobs := pool.New(func(ctx context.Context, b []byte) (int, error) {
			return len(b), pr.run(ctx, int64(len(b)))
		}, pool.Workers(5), pool.Within(l), pool.Cost(func(b []byte) int64 { return int64(len(b)) }))

		costs := []int64{3, 7, 1, 10, 4, 4, 4, 2, 9, 1, 5, 6, 8, 2, 3}
		var blobIns [][]byte
		for _, c := range costs {
			blobIns = append(blobIns, make([]byte, 11-c))
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			outs, err := sizes.Map(bg, costs)
			assert.NoError(t, err)
			assert.Equal(t, costs, outs)
		}()
		fs := make(chan int, len(blobIns))
		go func() {
			for _, b := range blobIns {
				n, err := blobs.Submit(bg, b).Result(bg)
				assert.NoError(t, err)
				fs <- n
			}
			close(fs)
		}()
		pr.drive(t, 2*len(costs), capacity)
		<-done
		i := 0
		for n := range fs {
			assert.Equal(t, len(blobIns[i]), n)
			i++
		}
		assert.Equal(t, int64(capacity), pr.peak.Load(), "the limit was filled, and never overfilled")
		require.NoError(t, sizes.Close())
		require.NoError(t, blobs.Close())
	})
}

// An input that costs more than the limit holds fails at once, even while
// the limit is full, through every way of running it; so does a negative
// cost, and a panicking cost function fails only its input.
func TestLimitCostThatCanNeverFitFailsAtOnce(t *testing.T) {
	l := pool.NewLimit(4)
	free := occupy(t, l)
	defer free()
	bg := context.Background()
	ran := atomic.Int32{}
	p := pool.New(func(_ context.Context, n int) (int, error) {
		ran.Add(1)
		return n + 100, nil
	}, pool.Workers(2), pool.Within(l), pool.Cost(func(n int) int64 {
		if n == 99 {
			panic("no cost for 99")
		}
		return int64(n)
	}))
	defer p.Close()

	_, err := p.Submit(bg, 5).Result(bg)
	require.ErrorIs(t, err, pool.ErrOverLimit)
	assert.EqualError(t, err, "pool: input costs more than the shared limit holds: it costs 5 of 4")

	_, err = p.Submit(bg, -1).Result(bg)
	assert.EqualError(t, err, "pool: Cost returned -1 for an input: must not be negative")

	_, err = p.Submit(bg, 99).Result(bg)
	var pe *pool.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "no cost for 99", pe.Value)
	assert.Zero(t, ran.Load(), "no input whose cost failed ran")

	_, err = p.Map(bg, []int{6})
	var te *pool.TaskError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 0, te.Index)
	assert.ErrorIs(t, err, pool.ErrOverLimit)

	var outs []int
	var errs []error
	for out, err := range p.MapSeq(bg, func(yield func(int) bool) { _ = yield(0) && yield(8) }) {
		outs, errs = append(outs, out), append(errs, err)
	}
	require.Len(t, errs, 2)
	assert.NoError(t, errs[0], "an input of cost 0 takes no slot, so it runs while the limit is full")
	assert.Equal(t, 100, outs[0])
	assert.ErrorIs(t, errs[1], pool.ErrOverLimit)
	assert.Equal(t, int32(1), ran.Load(), "only the input of cost 0 ran")
}

// occupy takes every slot of l with one blocked task of a pool of its own,
// and returns the function that lets it finish.
func occupy(t *testing.T, l *pool.Limit) (free func()) {
	t.Helper()
	started, release := make(chan struct{}), make(chan struct{})
	holder := pool.New(func(_ context.Context, n int64) (int64, error) {
		close(started)
		<-release
		return n, nil
	}, pool.Workers(1), pool.Within(l), pool.Cost(func(n int64) int64 { return n }))
	f := holder.Submit(context.Background(), int64(l.Cap()))
	<-started
	return func() {
		close(release)
		_, err := f.Result(context.Background())
		assert.NoError(t, err)
		assert.NoError(t, holder.Close())
	}
}

func TestLimitOptionsPanicNamingTheProblem(t *testing.T) {
	l := pool.NewLimit(2)
	for _, tc := range []struct {
		want string
		new  func()
	}{
		{"pool: NewLimit(0): must be positive", func() { pool.NewLimit(0) }},
		{"pool: NewLimit(-2): must be positive", func() { pool.NewLimit(-2) }},
		{"pool: Within(nil): need a Limit from NewLimit", func() { pool.New(square, pool.Within(nil)) }},
		{"pool: Cost(nil): need a function", func() { pool.New(square, pool.Within(l), pool.Cost[int](nil)) }},
		{"pool: Cost(func(string) int64): the pool's input type is int", func() {
			pool.New(square, pool.Within(l), pool.Cost(func(string) int64 { return 1 }))
		}},
		{"pool: Cost: needs a shared limit; add Within(l)", func() {
			pool.New(square, pool.Cost(func(int) int64 { return 1 }))
		}},
	} {
		t.Run(tc.want, func(t *testing.T) {
			assert.PanicsWithValue(t, tc.want, tc.new)
		})
	}
	assert.Equal(t, 2, l.Cap())
	assert.False(t, errors.Is(pool.ErrOverLimit, context.Canceled), "a cost that never fits is a failure, not a cancellation")
}
