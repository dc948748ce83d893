package pool_test

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/poolkit/poolkit/pool"
)

// Each benchmark runs a sequential baseline beside the pool in the same run,
// so benchstat can report the ratio on a shared machine.

func tiny(_ context.Context, x int) (int, error) { return 2*x + 1, nil }

// sumSquares is a CPU-bound task: the sum of the squares of 0..n-1.
//
//go:noinline
func sumSquares(_ context.Context, n int) (int, error) {
	s := 0
	for i := range n {
		s += i * i
	}
	return s, nil
}

func BenchmarkMapTiny(b *testing.B) {
	ins := ints(100_000)
	ctx := context.Background()
	perItem := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ins)), "ns/item")
	}
	b.Run("engine=sequential", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			outs := make([]int, len(ins))
			for i, in := range ins {
				outs[i], _ = tiny(ctx, in)
			}
		}
		perItem(b)
	})
	b.Run("engine=pool", func(b *testing.B) {
		p := pool.New(tiny)
		defer p.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Map(ctx, ins); err != nil {
				b.Fatal(err)
			}
		}
		perItem(b)
	})
}

func BenchmarkSubmitResult(b *testing.B) {
	ctx := context.Background()
	b.Run("engine=direct", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := tiny(ctx, i); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine=pool", func(b *testing.B) {
		p := pool.New(tiny)
		defer p.Close()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := p.Submit(ctx, i).Result(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var sink int

func BenchmarkMapCPU(b *testing.B) {
	ctx := context.Background()
	ins := make([]int, 8) // 8 equal tasks of a few milliseconds each
	for i := range ins {
		ins[i] = 3_000_000
	}
	b.Run("engine=sequential", func(b *testing.B) {
		for b.Loop() {
			for _, in := range ins {
				s, err := sumSquares(ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				sink += s
			}
		}
	})
	b.Run("engine=pool", func(b *testing.B) {
		p := pool.New(sumSquares)
		defer p.Close()
		for b.Loop() {
			if _, err := p.Map(ctx, ins); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStreams runs 100k tiny inputs through MapSeq (input order),
// MapUnordered (completion order) and a hand-written fan-out over channels
// (workers reading inputs from one channel and writing outputs to
// another), in the same run.
func BenchmarkStreams(b *testing.B) {
	ctx := context.Background()
	const n = 100_000
	perItem := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
	}
	b.Run("stream=fanout", func(b *testing.B) {
		workers := runtime.GOMAXPROCS(0)
		b.ReportAllocs()
		for b.Loop() {
			in, out := make(chan int, 1024), make(chan int, 1024)
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for x := range in {
						v, _ := tiny(ctx, x)
						out <- v
					}
				})
			}
			go func() {
				for i := range n {
					in <- i
				}
				close(in)
				wg.Wait()
				close(out)
			}()
			got := 0
			for range out {
				got++
			}
			if got != n {
				b.Fatalf("%d outputs", got)
			}
		}
		perItem(b)
	})
	p := pool.New(tiny)
	defer p.Close()
	b.Run("stream=MapSeq", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got := 0
			for _, err := range p.MapSeq(ctx, upTo(n)) {
				if err != nil {
					b.Fatal(err)
				}
				got++
			}
			if got != n {
				b.Fatalf("%d outputs", got)
			}
		}
		perItem(b)
	})
	b.Run("stream=MapUnordered", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got := 0
			for r := range p.MapUnordered(ctx, upTo(n)) {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
				got++
			}
			if got != n {
				b.Fatalf("%d outputs", got)
			}
		}
		perItem(b)
	})
}

// upTo yields 0 to n-1.
func upTo(n int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// BenchmarkMapWithinALimit runs Map on a plain pool and on pools within a
// shared Limit that holds a slot per worker and is shared with another,
// idle pool, in the same run: what the limit costs a pool that has it to
// itself. task=tiny is the worst case, a slot taken per batch of nothing;
// task=sum1000 is a task of a microsecond or so.
func BenchmarkMapWithinALimit(b *testing.B) {
	ctx := context.Background()
	workers := runtime.GOMAXPROCS(0)
	for _, task := range []struct {
		name string
		fn   pool.Func[int, int]
		ins  []int
	}{
		{"tiny", tiny, ints(100_000)},
		{"sum1000", sumSquares, repeat(1000, 10_000)},
	} {
		for _, engine := range []struct {
			name string
			opts func(l *pool.Limit) []pool.Option
		}{
			{"pool", func(*pool.Limit) []pool.Option { return nil }},
			{"within", func(l *pool.Limit) []pool.Option { return []pool.Option{pool.Within(l)} }},
			{"within+cost", func(l *pool.Limit) []pool.Option {
				return []pool.Option{pool.Within(l), pool.Cost(func(int) int64 { return 1 })}
			}},
		} {
			b.Run("task="+task.name+"/engine="+engine.name, func(b *testing.B) {
				l := pool.NewLimit(workers)
				idle := pool.New(tiny, pool.Within(l))
				defer idle.Close()
				p := pool.New(task.fn, append(engine.opts(l), pool.Workers(workers))...)
				defer p.Close()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := p.Map(ctx, task.ins); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(task.ins)), "ns/item")
			})
		}
	}
}

// repeat returns n copies of x.
func repeat(x, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = x
	}
	return s
}
