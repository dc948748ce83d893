package pool_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/pool"
)

// A flood of one pool's inputs does not starve another pool on the same
// limit: once the other pool's single input waits for a slot, it starts
// before the flood has started 100 more of its own, whether the flooding
// pool has as many workers as the limit has slots (so none of its own
// wait, and they could keep their slots) or more, and however the flood
// comes. The flood's tasks finish one at a time, each after every task
// that could start has started, so the order of start events decides,
// not time; first come, first served allows a handful.
func TestLimitFloodDoesNotStarveAnotherPool(t *testing.T) {
	const starving = 100
	flood := make([]int, 1<<12) // Map's first chunks hold hundreds of inputs
	for _, tc := range []struct {
		name    string
		workers int
		flood   func(ctx context.Context, p *pool.Pool[int, int])
	}{
		{"Map with workers as many as slots", 2, func(ctx context.Context, p *pool.Pool[int, int]) {
			_, _ = p.Map(ctx, flood)
		}},
		{"Map with more workers than slots", 8, func(ctx context.Context, p *pool.Pool[int, int]) {
			_, _ = p.Map(ctx, flood)
		}},
		{"MapSeq with workers as many as slots", 2, func(ctx context.Context, p *pool.Pool[int, int]) {
			for range p.MapSeq(ctx, slices.Values(flood)) {
			}
		}},
		{"Submit with more workers than slots", 8, func(ctx context.Context, p *pool.Pool[int, int]) {
			for _, in := range flood {
				p.Submit(ctx, in)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := pool.NewLimit(2)
				var started atomic.Int64
				release := make(chan struct{})
				flooded := pool.New(func(ctx context.Context, x int) (int, error) {
					started.Add(1)
					select {
					case <-release:
						return x, nil
					case <-ctx.Done():
						return 0, ctx.Err()
					}
				}, pool.Workers(tc.workers), pool.Within(l))
				other := pool.New(func(_ context.Context, s string) (string, error) {
					return s, nil
				}, pool.Workers(1), pool.Within(l))

				ctx, stop := context.WithCancel(context.Background())
				var flooding sync.WaitGroup
				flooding.Go(func() { tc.flood(ctx, flooded) })
				synctest.Wait()
				require.Equal(t, int64(2), started.Load(), "the flood fills the limit")

				f := other.Submit(context.Background(), "served")
				synctest.Wait() // it waits for a slot
				before := started.Load()
				for !f.Settled() && started.Load()-before < starving {
					release <- struct{}{}
					synctest.Wait()
				}
				later := started.Load() - before
				t.Logf("the flood started %d inputs while the other pool's input waited", later)
				assert.Less(t, later, int64(starving))

				stop() // a starved input gets its slot once the flood ends
				flooding.Wait()
				out, err := f.Result(context.Background())
				assert.NoError(t, err)
				assert.Equal(t, "served", out)
				require.NoError(t, flooded.Close())
				require.NoError(t, other.Close())
			})
		})
	}
}
