package bench_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

// BenchmarkSubmitResult submits one tiny task and waits for its result, one
// at a time: the latency and allocations of a future. conc and errgroup
// have no futures; ants gets a channel as one.
func BenchmarkSubmitResult(b *testing.B) {
	ctx := context.Background()
	b.Run("lib=poolkit", func(b *testing.B) {
		p := pool.New(func(_ context.Context, x int) (int, error) { return tiny(x), nil })
		defer p.Close()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := p.Submit(ctx, i).Result(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=pond", func(b *testing.B) {
		p := pond.NewResultPool[int](runtime.GOMAXPROCS(0))
		defer p.StopAndWait()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := p.Submit(func() int { return tiny(i) }).Wait(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=ants", func(b *testing.B) {
		p, err := ants.NewPool(runtime.GOMAXPROCS(0))
		if err != nil {
			b.Fatal(err)
		}
		defer p.ReleaseTimeout(time.Minute)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			result := make(chan int, 1)
			if err := p.Submit(func() { result <- tiny(i) }); err != nil {
				b.Fatal(err)
			}
			<-result
		}
	})
	b.Run("lib=go-chan", func(b *testing.B) { // hand-written: a goroutine and a channel
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			result := make(chan int, 1)
			go func() { result <- tiny(i) }()
			<-result
		}
	})
	b.Run("lib=sequential", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			sink.Add(int64(tiny(i)))
		}
	})
}

// submitters is how many goroutines submit at once in BenchmarkContended.
const submitters = 100

// BenchmarkContended has 100 goroutines submit tiny tasks to one pool, each
// waiting for its tasks' results in batches of 64. One op is one task.
func BenchmarkContended(b *testing.B) {
	ctx := context.Background()
	workers := runtime.GOMAXPROCS(0)
	b.Run("lib=poolkit", func(b *testing.B) {
		p := pool.New(func(_ context.Context, x int) (int, error) { return tiny(x), nil })
		defer p.Close()
		contend(b, func(batch []int) {
			fs := make([]*future.Future[int], len(batch))
			for i, x := range batch {
				fs[i] = p.Submit(ctx, x)
			}
			for i, f := range fs {
				batch[i], _ = f.Result(ctx)
			}
		})
	})
	b.Run("lib=pond", func(b *testing.B) {
		p := pond.NewResultPool[int](workers)
		defer p.StopAndWait()
		contend(b, func(batch []int) {
			rs := make([]pond.ResultTask[int], len(batch))
			for i, x := range batch {
				rs[i] = p.Submit(func() int { return tiny(x) })
			}
			for i, r := range rs {
				batch[i], _ = r.Wait()
			}
		})
	})
	b.Run("lib=ants", func(b *testing.B) {
		p, err := ants.NewPool(workers)
		if err != nil {
			b.Fatal(err)
		}
		defer p.ReleaseTimeout(time.Minute)
		contend(b, goBatch(func(f func()) { _ = p.Submit(f) }))
	})
	b.Run("lib=conc-pool", func(b *testing.B) {
		p := concpool.New().WithMaxGoroutines(workers)
		defer p.Wait()
		contend(b, goBatch(p.Go))
	})
	b.Run("lib=errgroup", func(b *testing.B) {
		var g errgroup.Group
		g.SetLimit(workers)
		defer g.Wait()
		contend(b, func(batch []int) {
			var wg sync.WaitGroup
			wg.Add(len(batch))
			for i, x := range batch {
				g.Go(func() error { batch[i] = tiny(x); wg.Done(); return nil })
			}
			wg.Wait()
		})
	})
	b.Run("lib=waitgroup", func(b *testing.B) { // hand-written
		sem := make(chan struct{}, workers)
		contend(b, func(batch []int) {
			var wg sync.WaitGroup
			for i, x := range batch {
				sem <- struct{}{}
				wg.Go(func() { batch[i] = tiny(x); <-sem })
			}
			wg.Wait()
		})
	})
}

// goBatch adapts a fire-and-forget submit to contend: each task writes its
// result in place, and a WaitGroup per batch waits for them.
func goBatch(submit func(func())) func(batch []int) {
	return func(batch []int) {
		var wg sync.WaitGroup
		wg.Add(len(batch))
		for i, x := range batch {
			submit(func() { batch[i] = tiny(x); wg.Done() })
		}
		wg.Wait()
	}
}

// contend runs b.N tasks from 100 goroutines, each passing batches of up to
// 64 inputs to run, which leaves the outputs in the batch.
func contend(b *testing.B, run func(batch []int)) {
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for s := range submitters {
		n := b.N / submitters
		if s < b.N%submitters {
			n++
		}
		wg.Go(func() {
			batch := make([]int, 64)
			for done := 0; done < n; done += len(batch) {
				batch = batch[:min(64, n-done)]
				for i := range batch {
					batch[i] = done + i
				}
				run(batch)
			}
		})
	}
	wg.Wait()
}
