package procpool_test

import (
	"flag"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

var loadItems = flag.Int("load", 1_000_000, "inputs in the load tests (10000000 for the full figure)")

// treeMemory returns the parent's heap in use and the workers' resident
// memory as they last measured it.
func treeMemory(p *procpool.Pool[int, int]) (heap, workers uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	for _, w := range p.Stats().Procs {
		workers += w.RSS
	}
	return m.HeapInuse, workers
}

// TestLoadMapSeqIsFlat streams -load inputs through worker processes and
// checks that neither the parent's heap nor the workers' memory is larger
// late in the stream than early on.
func TestLoadMapSeqIsFlat(t *testing.T) {
	p, _ := newPool(t, tinyTask, procpool.Workers(2))
	n := *loadItems
	var early, late [2]uint64
	i := 0
	for v, err := range p.MapSeq(bg(), func(yield func(int) bool) {
		for k := range n {
			if !yield(k) {
				return
			}
		}
	}) {
		require.NoError(t, err)
		require.Equal(t, 2*i+1, v)
		switch i {
		case n / 10:
			early[0], early[1] = treeMemory(p)
		case n - n/10:
			late[0], late[1] = treeMemory(p)
		}
		i++
	}
	require.Equal(t, n, i)
	t.Logf("%d inputs; parent heap at 10%%: %.1f MiB, at 90%%: %.1f MiB; workers' RSS at 10%%: %.1f MiB, at 90%%: %.1f MiB",
		n, mb(early[0]), mb(late[0]), mb(early[1]), mb(late[1]))
	assert.Less(t, late[0], early[0]+8<<20, "the parent's memory grows with the input")
	// The race detector's shadow memory makes workers built with -race
	// grow by itself; the margin allows for it.
	assert.Less(t, late[1], early[1]+max(16<<20, early[1]/2), "the workers' memory grows with the input")
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

func TestLoadManySubmitters(t *testing.T) {
	p, _ := newPool(t, squareTask, procpool.Workers(2), procpool.QueueSize(16))
	var wg sync.WaitGroup
	for g := range 100 {
		wg.Go(func() {
			for i := range 100 {
				x := g*1000 + i
				v, err := p.Submit(bg(), x).Result(bg())
				if err != nil || v != x*x {
					t.Errorf("input %d: %d, %v", x, v, err)
					return
				}
			}
		})
	}
	wg.Wait()
	s := p.Stats()
	assert.Equal(t, uint64(100*100), s.Completed)
}
