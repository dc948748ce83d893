package future_test

import (
	"context"
	"testing"

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
	// callbacks have room in their channel and nobody reads it.
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
