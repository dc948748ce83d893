package future_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
)

func TestWaitFirstCompleted(t *testing.T) {
	ps, fs := promises(3)
	ps[1].Settle(1, nil)
	done, pending, err := future.Wait(context.Background(), future.FirstCompleted, fs...)
	require.NoError(t, err)
	assert.Equal(t, []*future.Future[int]{fs[1]}, done)
	assert.Equal(t, []*future.Future[int]{fs[0], fs[2]}, pending)
}

func TestWaitFirstError(t *testing.T) {
	ps, fs := promises(3)
	ps[0].Settle(0, nil)
	go ps[2].Settle(0, errBoom)
	done, pending, err := future.Wait(context.Background(), future.FirstError, fs...)
	require.NoError(t, err)
	assert.Equal(t, []*future.Future[int]{fs[0], fs[2]}, done)
	assert.Equal(t, []*future.Future[int]{fs[1]}, pending)
}

func TestWaitFirstErrorWithoutErrorsWaitsForAll(t *testing.T) {
	ps, fs := promises(3)
	for i, p := range ps {
		go p.Settle(i, nil)
	}
	done, pending, err := future.Wait(context.Background(), future.FirstError, fs...)
	require.NoError(t, err)
	assert.Len(t, done, 3)
	assert.Empty(t, pending)
}

func TestWaitAllCompleted(t *testing.T) {
	ps, fs := promises(3)
	for i, p := range ps {
		go p.Settle(i, nil)
	}
	done, pending, err := future.Wait(context.Background(), future.AllCompleted, fs...)
	require.NoError(t, err)
	assert.Equal(t, fs, done, "done keeps the order of fs")
	assert.Empty(t, pending)
}

func TestWaitCtxEnds(t *testing.T) {
	ps, fs := promises(2)
	ps[0].Settle(0, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	done, pending, err := future.Wait(ctx, future.AllCompleted, fs...)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, []*future.Future[int]{fs[0]}, done)
	assert.Equal(t, []*future.Future[int]{fs[1]}, pending)
}

func TestWaitNoFutures(t *testing.T) {
	done, pending, err := future.Wait[int](context.Background(), future.FirstCompleted)
	assert.NoError(t, err)
	assert.Empty(t, done)
	assert.Empty(t, pending)
}

func TestWaitUnknownModePanics(t *testing.T) {
	assert.PanicsWithValue(t, "future: Wait: unknown mode WaitMode(9)", func() {
		_, _, _ = future.Wait[int](context.Background(), future.WaitMode(9))
	})
}

func TestAll(t *testing.T) {
	ps, fs := promises(3)
	for i, p := range ps {
		go p.Settle(i*i, nil)
	}
	vs, err := future.All(context.Background(), fs...)
	require.NoError(t, err)
	assert.Equal(t, []int{0, 1, 4}, vs)
}

func TestAllFirstError(t *testing.T) {
	ps, fs := promises(3)
	ps[2].Settle(0, errBoom)
	vs, err := future.All(context.Background(), fs...)
	assert.Nil(t, vs)
	assert.ErrorIs(t, err, errBoom)
	assert.EqualError(t, err, "future: All: future 2 of 3: boom")
}

func TestAllCtxEnds(t *testing.T) {
	_, fs := promises(1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	vs, err := future.All(ctx, fs...)
	assert.Nil(t, vs)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestWaitFirstErrorCountsFailuresOnly(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		err    error
		counts bool
	}{
		{"an error", errBoom, true},
		{"a deadline", context.DeadlineExceeded, true},
		{"a wrapped deadline", fmt.Errorf("fetch: %w", context.DeadlineExceeded), true},
		{"a cancellation", context.Canceled, false},
		{"a wrapped cancellation", fmt.Errorf("fetch: %w", context.Canceled), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One future settled with the error, one pending; with ctx
			// ended, Wait reports whether the error met FirstError.
			ps, fs := promises(2)
			ps[0].Settle(0, tt.err)
			done, pending, err := future.Wait(ended, future.FirstError, fs...)
			if tt.counts {
				assert.NoError(t, err, "a failure satisfies FirstError")
			} else {
				assert.ErrorIs(t, err, context.Canceled, "cancellation does not satisfy FirstError; Wait ran until ctx ended")
			}
			assert.Equal(t, fs[:1], done)
			assert.Equal(t, fs[1:], pending)
		})
	}
}

func TestWaitFirstErrorWaitsPastCancellation(t *testing.T) {
	ps, fs := promises(3)
	require.True(t, fs[0].Cancel())
	go ps[2].Settle(0, errBoom)
	done, pending, err := future.Wait(context.Background(), future.FirstError, fs...)
	require.NoError(t, err)
	assert.Equal(t, []*future.Future[int]{fs[0], fs[2]}, done, "Wait returned at the failure, not at the cancellation")
	assert.Equal(t, []*future.Future[int]{fs[1]}, pending)
}

func TestWaitEndedCtxCountsSettledFutures(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ps, fs := promises(2)
	ps[1].Settle(1, nil)
	done, _, err := future.Wait(ctx, future.FirstCompleted, fs...)
	assert.NoError(t, err, "the condition held, though ctx had ended")
	assert.Equal(t, fs[1:], done)

	ps[0].Settle(0, nil)
	_, _, err = future.Wait(ctx, future.AllCompleted, fs...)
	assert.NoError(t, err)
	vs, err := future.All(ctx, fs...)
	assert.NoError(t, err)
	assert.Equal(t, []int{0, 1}, vs)
}

// heapAfterGC returns the live heap after a full collection.
func heapAfterGC() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

func TestWaitPollingHoldsNoMemory(t *testing.T) {
	// A Python-style polling loop: Wait with a tiny timeout, again and
	// again, over futures that stay pending. Each Wait must take back what
	// it registered, so the heap stays flat.
	const calls, futures, limit = 5000, 1000, 5 << 20
	ps, fs := promises(futures)
	before := heapAfterGC()
	for range calls {
		ctx, cancel := context.WithTimeout(context.Background(), time.Microsecond)
		_, pending, _ := future.Wait(ctx, future.FirstCompleted, fs...)
		cancel()
		require.Len(t, pending, futures)
	}
	growth := heapAfterGC() - before
	t.Logf("heap growth after %d calls over %d futures: %d bytes", calls, futures, growth)
	assert.Less(t, growth, int64(limit))
	for i, p := range ps {
		p.Settle(i, nil) // and settling has no callbacks left to run
	}
}
