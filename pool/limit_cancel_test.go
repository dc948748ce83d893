package pool_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/pool"
)

// An input that waits for a full limit ends its wait, without running,
// each way an input still in the queue can end; its pool counts it once
// as cancelled, and the limit is whole afterwards for the other pools.
func TestLimitWaitIsCancellable(t *testing.T) {
	for _, tc := range []struct {
		name string
		// wait starts one input of p that will wait for the limit and
		// returns the function that ends the wait and the input's error.
		wait func(p *pool.Pool[int, int]) func() error
	}{
		{"future Cancel", func(p *pool.Pool[int, int]) func() error {
			f := p.Submit(context.Background(), 1)
			return func() error {
				f.Cancel()
				return f.Err()
			}
		}},
		{"Submit's ctx", func(p *pool.Pool[int, int]) func() error {
			ctx, cancel := context.WithCancel(context.Background())
			f := p.Submit(ctx, 1)
			return func() error {
				cancel()
				<-f.Done()
				return f.Err()
			}
		}},
		{"CancelQueued", func(p *pool.Pool[int, int]) func() error {
			f := p.Submit(context.Background(), 1)
			return func() error {
				assert.NoError(t, p.CancelQueued(context.Background()))
				return f.Err()
			}
		}},
		{"Shutdown that gives up", func(p *pool.Pool[int, int]) func() error {
			f := p.Submit(context.Background(), 1)
			return func() error {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				assert.ErrorIs(t, p.Shutdown(ctx), context.Canceled)
				return f.Err()
			}
		}},
		{"Map's ctx", func(p *pool.Pool[int, int]) func() error {
			return mapUntil(func(ctx context.Context) error { _, err := p.Map(ctx, []int{1, 2, 3}); return err }, nil)
		}},
		{"Map and CancelQueued", func(p *pool.Pool[int, int]) func() error {
			return mapUntil(func(ctx context.Context) error { _, err := p.Map(ctx, []int{1, 2, 3}); return err },
				func() { assert.NoError(t, p.CancelQueued(context.Background())) })
		}},
		{"MapSeq's ctx", func(p *pool.Pool[int, int]) func() error {
			return mapUntil(func(ctx context.Context) error { return firstErr(p.MapSeq(ctx, slices.Values([]int{1, 2, 3}))) }, nil)
		}},
		{"MapSeq and CancelQueued", func(p *pool.Pool[int, int]) func() error {
			return mapUntil(func(ctx context.Context) error { return firstErr(p.MapSeq(ctx, slices.Values([]int{1, 2, 3}))) },
				func() { assert.NoError(t, p.CancelQueued(context.Background())) })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := pool.NewLimit(2)
				free := occupy(t, l)
				var ran atomic.Int32
				p := pool.New(func(_ context.Context, x int) (int, error) {
					ran.Add(1)
					return x, nil
				}, pool.Workers(2), pool.Within(l))

				end := tc.wait(p)
				synctest.Wait()
				s := p.Stats()
				assert.Zero(t, s.Running, "an input that waits for the limit is not running")
				assert.Positive(t, s.Queued, "an input that waits for the limit is queued")

				assert.ErrorIs(t, end(), context.Canceled)
				require.NoError(t, p.Close())
				assert.Zero(t, ran.Load(), "an input that waited for the limit ran")
				s = p.Stats()
				assert.Equal(t, s.Submitted, s.Cancelled, "every input counted once, as cancelled: %+v", s)

				free()
				whole := occupy(t, l) // the limit got every slot back
				whole()
			})
		})
	}
}

// mapUntil starts run with a context, and returns the function that ends
// it, by stop if not nil or else by cancelling the context, and returns
// run's error.
func mapUntil(run func(ctx context.Context) error, stop func()) func() error {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- run(ctx) }()
	return func() error {
		if stop != nil {
			stop()
		} else {
			cancel()
		}
		err := <-errc
		cancel()
		return err
	}
}

// firstErr returns the first error a MapSeq yields.
func firstErr(seq func(func(int, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// Closing one pool on a limit, while another pool's input waits for the
// slot the first one's task holds, lets that input run, and the other
// pools go on using the limit.
func TestLimitCloseOfOnePoolLeavesOthersServing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := pool.NewLimit(1)
		bg := context.Background()
		release := make(chan struct{})
		first := pool.New(func(_ context.Context, s string) (string, error) {
			<-release
			return s + "!", nil
		}, pool.Workers(2), pool.Within(l))
		second := pool.New(func(_ context.Context, x int) (int, error) { return -x, nil }, pool.Workers(2), pool.Within(l))
		third := pool.New(func(_ context.Context, p point) (int, error) { return p.X + p.Y, nil }, pool.Within(l))
		defer func() {
			assert.NoError(t, second.Close())
			assert.NoError(t, third.Close())
		}()

		held := first.Submit(bg, "held")
		synctest.Wait()
		waiting := second.Submit(bg, 7)
		synctest.Wait()
		assert.False(t, waiting.Settled(), "an input ran although the limit's one slot was held")

		closed := make(chan error, 1)
		go func() { closed <- first.Close() }()
		close(release)
		require.NoError(t, <-closed)
		v0, err := held.Result(bg)
		require.NoError(t, err)
		assert.Equal(t, "held!", v0)

		v, err := waiting.Result(bg)
		require.NoError(t, err)
		assert.Equal(t, -7, v)
		outs, err := second.Map(bg, []int{1, 2, 3})
		require.NoError(t, err)
		assert.Equal(t, []int{-1, -2, -3}, outs)
		sum, err := third.Submit(bg, point{2, 3}).Result(bg)
		require.NoError(t, err)
		assert.Equal(t, 5, sum)
		_, err = first.Submit(bg, "late").Result(bg)
		assert.ErrorIs(t, err, pool.ErrClosed)
	})
}

// Timeout limits how long a task runs, not how long it waited for the
// limit: an input that waited longer than its Timeout still runs in full.
func TestLimitWaitIsNotPartOfTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := pool.NewLimit(1)
		free := occupy(t, l)
		p := pool.New(func(ctx context.Context, x int) (int, error) {
			return x, ctx.Err()
		}, pool.Within(l), pool.Timeout(time.Second))
		defer p.Close()
		bg := context.Background()
		f := p.Submit(bg, 7)
		synctest.Wait()
		time.Sleep(time.Minute) // the bubble's clock: a minute in line
		assert.False(t, f.Settled(), "an input timed out while it waited for the limit")
		free()
		v, err := f.Result(bg)
		require.NoError(t, err)
		assert.Equal(t, 7, v)
	})
}
