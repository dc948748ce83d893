package pool_test

import (
	"context"
	"flag"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

var loadItems = flag.Int("load", 1_000_000, "inputs in the load tests (10000000 for the full figure)")

// heapInUse returns the bytes of heap in use after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestLoadSubmitsStayBounded submits -load tasks from 4 goroutines into a
// bounded queue, each keeping at most 256 futures; the heap must stay
// bounded however many tasks go through.
func TestLoadSubmitsStayBounded(t *testing.T) {
	p := pool.New(square, pool.QueueSize(64))
	defer p.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	peak := uint64(0)
	per := *loadItems / 4
	for range 4 {
		wg.Go(func() {
			window := make([]*future.Future[int], 0, 256)
			for i := range per {
				if len(window) == cap(window) {
					v, err := window[0].Result(context.Background())
					if err != nil || v != (i-256)*(i-256) {
						t.Errorf("input %d: %d, %v", i-256, v, err)
						return
					}
					window = append(window[:0], window[1:]...)
				}
				window = append(window, p.Submit(context.Background(), i))
				if i%(per/4) == 0 {
					h := heapInUse()
					mu.Lock()
					peak = max(peak, h)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d tasks; peak heap in use %.1f MiB", 4*per, float64(peak)/(1<<20))
	assert.Less(t, peak, uint64(64<<20))
}

// TestLoadMapSeqIsFlat streams -load inputs through MapSeq and checks that
// the heap late in the stream is no larger than early on.
func TestLoadMapSeqIsFlat(t *testing.T) {
	p := pool.New(square)
	defer p.Close()
	n := *loadItems
	var early, late uint64
	i := 0
	for v, err := range p.MapSeq(context.Background(), func(yield func(int) bool) {
		for k := range n {
			if !yield(k) {
				return
			}
		}
	}) {
		require.NoError(t, err)
		require.Equal(t, i*i, v)
		switch i {
		case n / 10:
			early = heapInUse()
		case n - n/10:
			late = heapInUse()
		}
		i++
	}
	require.Equal(t, n, i)
	t.Logf("%d inputs; heap in use at 10%%: %.1f MiB, at 90%%: %.1f MiB", n, float64(early)/(1<<20), float64(late)/(1<<20))
	assert.Less(t, late, early+8<<20, "MapSeq's memory grows with the input")
}

func TestLoadManySubmitters(t *testing.T) {
	p := pool.New(square, pool.Workers(4), pool.QueueSize(16))
	defer p.Close()
	var wg sync.WaitGroup
	for g := range 100 {
		wg.Go(func() {
			for i := range 500 {
				x := g*1000 + i
				v, err := p.Submit(context.Background(), x).Result(context.Background())
				if err != nil || v != x*x {
					t.Errorf("input %d: %d, %v", x, v, err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, p.Close())
	s := p.Stats()
	assert.Equal(t, uint64(100*500), s.Completed)
	assert.Equal(t, s.Submitted, s.Completed)
}
