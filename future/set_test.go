package future_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
)

func TestSetEmptyLoopEndsAtOnce(t *testing.T) {
	var s future.Set[int]
	for range s.Completed(context.Background()) {
		t.Fatal("an empty set yields nothing")
	}
}

func TestSetGrowsFromTheLoopBody(t *testing.T) {
	// A recursive walk: the future for n brings the futures for 2n and
	// 2n+1 below 64, settled by other goroutines while the loop waits.
	ctx := context.Background()
	var wg sync.WaitGroup
	defer wg.Wait()
	node := func(n int) *future.Future[int] {
		p := future.NewPromise[int]()
		wg.Go(func() { p.Settle(n, nil) })
		return p.Future()
	}
	s := future.NewSet(node(1))
	var seen []int
	for f := range s.Completed(ctx) {
		n, err := f.Result(ctx)
		require.NoError(t, err)
		seen = append(seen, n)
		for _, child := range []int{2 * n, 2*n + 1} {
			if child < 64 {
				s.Add(node(child))
			}
		}
	}
	assert.ElementsMatch(t, seq(1, 64), seen, "every node, once")
}

func seq(from, to int) []int {
	var ns []int
	for n := from; n < to; n++ {
		ns = append(ns, n)
	}
	return ns
}

func TestSetAddFromAnotherGoroutine(t *testing.T) {
	ps, fs := promises(2)
	s := future.NewSet(fs[0])
	added := make(chan struct{})
	ps[0].Settle(0, nil)
	var got []*future.Future[int]
	for f := range s.Completed(context.Background()) {
		got = append(got, f)
		if f == fs[0] {
			// The set still holds nothing pending; another goroutine adds
			// to it before the loop asks for the next future.
			go func() {
				s.Add(fs[1])
				close(added)
				ps[1].Settle(1, nil)
			}()
			<-added
		}
	}
	assert.Equal(t, fs, got)
}

func TestSetAddWhileTheLoopWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ps, fs := promises(2)
		s := future.NewSet(fs[0])
		yielded := make(chan *future.Future[int])
		go func() {
			defer close(yielded)
			for f := range s.Completed(context.Background()) {
				yielded <- f
			}
		}()
		synctest.Wait() // the loop is parked, waiting for fs[0]

		s.Add(fs[1])
		ps[1].Settle(1, nil)
		assert.Same(t, fs[1], <-yielded, "a future added while the loop waits is yielded when it settles")
		ps[0].Settle(0, nil)
		assert.Same(t, fs[0], <-yielded)
		_, more := <-yielded
		assert.False(t, more, "the loop ends once the set is empty")
	})
}

func TestSetYieldsAFutureAddedTwiceTwice(t *testing.T) {
	f := future.Value(1)
	s := future.NewSet(f, f)
	n := 0
	for range s.Completed(context.Background()) {
		n++
	}
	assert.Equal(t, 2, n)
}

func TestSetKeepsWhatABrokenLoopLeft(t *testing.T) {
	ps, fs := promises(3)
	s := future.NewSet(fs...)
	ps[1].Settle(1, nil)
	for f := range s.Completed(context.Background()) {
		require.Same(t, fs[1], f)
		break
	}
	ps[0].Settle(0, nil)
	ps[2].Settle(2, nil)
	var got []*future.Future[int]
	for f := range s.Completed(context.Background()) {
		got = append(got, f)
	}
	assert.ElementsMatch(t, []*future.Future[int]{fs[0], fs[2]}, got)
}

func TestSetEndedCtxYieldsDoneFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ps, fs := promises(3)
	nine := future.Value(9)
	s := future.NewSet(fs...)
	ps[2].Settle(2, nil)
	var got []*future.Future[int]
	for f := range s.Completed(ctx) {
		got = append(got, f)
		// Settled after the loop saw ctx end: left for a later loop.
		s.Add(nine)
		ps[0].Settle(0, nil)
	}
	assert.Equal(t, fs[2:], got, "the future done when ctx ended, and no other")

	var rest []*future.Future[int]
	for f := range s.Completed(context.Background()) {
		rest = append(rest, f)
		ps[1].Settle(1, nil)
	}
	assert.Equal(t, []*future.Future[int]{nine, fs[0], fs[1]}, rest, "the futures left wait for the next loop")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestSetLoopsShareTheFutures(t *testing.T) {
	// Two loops over one set, as two consumers, both parked when the
	// futures settle: each future goes to one of them, and both wake and
	// end once the set is empty (with one future, one loop never gets any).
	for _, n := range []int{1, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { shareBetweenTwoLoops(t, n) })
		})
	}
}

func shareBetweenTwoLoops(t *testing.T, n int) {
	ps, fs := promises(n)
	s := future.NewSet(fs...)
	var (
		mu  sync.Mutex
		got = map[*future.Future[int]]int{}
		wg  sync.WaitGroup
	)
	for range 2 {
		wg.Go(func() {
			for f := range s.Completed(context.Background()) {
				mu.Lock()
				got[f]++
				mu.Unlock()
			}
		})
	}
	synctest.Wait()
	for i, p := range ps {
		p.Settle(i, nil)
	}
	wg.Wait()
	require.Len(t, got, n)
	for f, times := range got {
		require.Equal(t, 1, times, "future %v yielded %d times", must(f.Result(context.Background())), times)
	}
}
