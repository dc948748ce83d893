package future_test

import (
	"context"
	"iter"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
)

// promises returns n pending promises and their futures.
func promises(n int) ([]*future.Promise[int], []*future.Future[int]) {
	ps := make([]*future.Promise[int], n)
	fs := make([]*future.Future[int], n)
	for i := range ps {
		ps[i] = future.NewPromise[int]()
		fs[i] = ps[i].Future()
	}
	return ps, fs
}

func TestAsCompletedYieldsInCompletionOrder(t *testing.T) {
	ps, fs := promises(4)
	order := []int{2, 0, 3, 1}
	// The loop settles the next future only once it has the previous one,
	// from another goroutine, so the completion order is the one above
	// whenever AsCompleted started watching.
	ps[order[0]].Settle(order[0], nil)
	var got []int
	for f := range future.AsCompleted(context.Background(), fs...) {
		v, err := f.Result(context.Background())
		require.NoError(t, err)
		got = append(got, v)
		if len(got) < len(order) {
			next := order[len(got)]
			go ps[next].Settle(next, nil)
		}
	}
	assert.Equal(t, order, got)
}

func TestAsCompletedAlreadySettled(t *testing.T) {
	fs := []*future.Future[int]{future.Value(1), future.Value(2)}
	n := 0
	for range future.AsCompleted(context.Background(), fs...) {
		n++
	}
	assert.Equal(t, 2, n)
}

func TestAsCompletedEarlyBreak(t *testing.T) {
	ps, fs := promises(3)
	ps[1].Settle(1, nil)
	var got []*future.Future[int]
	for f := range future.AsCompleted(context.Background(), fs...) {
		got = append(got, f)
		break
	}
	require.Equal(t, []*future.Future[int]{fs[1]}, got)
	// Settling the rest after the loop ended must not block or panic: the
	// loop took back what it registered on them.
	ps[0].Settle(0, nil)
	ps[2].Settle(2, nil)
}

func TestAsCompletedStopsWhenCtxEnds(t *testing.T) {
	ps, fs := promises(3)
	ps[0].Settle(0, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []int
	for f := range future.AsCompleted(ctx, fs...) {
		v, _ := f.Result(ctx)
		got = append(got, v)
		cancel()
	}
	assert.Equal(t, []int{0}, got)
	assert.ErrorIs(t, ctx.Err(), context.Canceled)
	assert.False(t, fs[1].Settled(), "ending the iteration must not settle futures")
}

func TestAsCompletedEndedCtxYieldsDoneFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Repeated, because a loop that chose at random between the ended ctx
	// and a settled future would drop some of them sooner or later.
	for range 100 {
		ps, fs := promises(8)
		var done []*future.Future[int]
		for i := 0; i < len(ps); i += 2 {
			ps[i].Settle(i, nil)
			done = append(done, fs[i])
		}
		var got []*future.Future[int]
		for f := range future.AsCompleted(ctx, fs...) {
			got = append(got, f)
		}
		require.Equal(t, done, got, "every settled future, in the order of fs, then nothing")
	}
}

func TestAsCompletedCtxEndsWhileFuturesAreDone(t *testing.T) {
	ps, fs := promises(4)
	ps[0].Settle(0, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []int
	for f := range future.AsCompleted(ctx, fs...) {
		v, err := f.Result(ctx)
		require.NoError(t, err)
		got = append(got, v)
		if v == 0 {
			// Two more settle, then ctx ends: both are done by then.
			ps[2].Settle(2, nil)
			ps[1].Settle(1, nil)
			cancel()
		}
	}
	assert.Equal(t, []int{0, 2, 1}, got, "the futures done when ctx ended are yielded, in settle order")
	assert.False(t, fs[3].Settled())
}

// asCompletedOver returns AsCompleted over the futures of ps, without the
// caller keeping a slice of them.
func asCompletedOver(ctx context.Context, ps []*future.Promise[[]byte]) iter.Seq[*future.Future[[]byte]] {
	fs := make([]*future.Future[[]byte], len(ps))
	for i, p := range ps {
		fs[i] = p.Future()
	}
	return future.AsCompleted(ctx, fs...)
}

func TestAsCompletedKeepsNoYieldedFuture(t *testing.T) {
	// CPython's test_free_reference_yielded_future: once the caller drops a
	// yielded future (and its producer has dropped the promise), it is
	// collected while the loop goes on, even though the iterator is still
	// in use.
	ctx := context.Background()
	ps := make([]*future.Promise[[]byte], 4)
	for i := range ps {
		ps[i] = future.NewPromise[[]byte]()
	}
	settle := func(i int) {
		ps[i].Settle(make([]byte, 1<<20), nil)
		ps[i] = nil // the producer is done with it
	}
	futures := asCompletedOver(ctx, ps)
	settle(0)
	n := 0
	for f := range futures {
		gone := weak.Make(f) // the last use of f: the caller drops it here
		require.Eventually(t, func() bool {
			runtime.GC()
			return gone.Value() == nil
		}, 10*time.Second, time.Millisecond, "yielded future %d is still reachable", n)
		n++
		if n < len(ps) {
			settle(n)
		}
	}
	assert.Equal(t, len(ps), n)
	runtime.KeepAlive(futures) // the iterator lives as long as the loop, or longer
}

func TestAsCompletedSecondLoopGoesOn(t *testing.T) {
	ps, fs := promises(3)
	ps[0].Settle(0, nil)
	ps[1].Settle(1, nil)
	futures := future.AsCompleted(context.Background(), fs...)
	for range futures {
		break
	}
	ps[2].Settle(2, nil)
	var got []*future.Future[int]
	for f := range futures {
		got = append(got, f)
	}
	assert.Equal(t, fs[1:], got, "the second loop yields what the first did not")
	for range futures {
		t.Fatal("an iterator that ran to the end yields nothing more")
	}
}
