package bench_test

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/poolkit/poolkit/procpool"
)

// BenchmarkMapTiny maps a tiny task over slices of 100k inputs. One op is
// one input, so ns/op and allocs/op are per item.
func BenchmarkMapTiny(b *testing.B) {
	chunk := size(100_000, 1000)
	for _, lib := range mapLibs {
		b.Run("lib="+lib.name, func(b *testing.B) {
			run, done := lib.open(runtime.GOMAXPROCS(0), tiny)
			defer done()
			mapItems(b, chunk, run)
		})
	}
}

// mapItems runs run over b.N inputs in calls of at most chunk inputs, so
// that one op is one input.
func mapItems(b *testing.B, chunk int, run mapFunc) {
	ins := ints(min(chunk, b.N))
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += chunk {
		n := min(chunk, b.N-done)
		outs, err := run(ins[:n])
		if err != nil {
			b.Fatal(err)
		}
		if len(outs) != n {
			b.Fatalf("%d outputs for %d inputs", len(outs), n)
		}
	}
}

// cpuInputs are 8 equal CPU-bound tasks of a few milliseconds each.
func cpuInputs() []int { return slices.Repeat([]int{size(3_000_000, 30_000)}, 8) }

// sequentialTime is the best of 3 runs of ins one after another.
func sequentialTime(ins []int) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		for _, n := range ins {
			sink.Add(int64(sumSquares(n)))
		}
		best = min(best, time.Since(start))
	}
	return best
}

// BenchmarkCPU runs 8 equal CPU-bound tasks on every CPU and reports the
// speedup over running them one after another, timed again just before
// each lib so that a shared machine's load changes cancel out.
func BenchmarkCPU(b *testing.B) {
	ins := cpuInputs()
	for _, lib := range mapLibs {
		b.Run("lib="+lib.name, func(b *testing.B) {
			run, done := lib.open(runtime.GOMAXPROCS(0), sumSquares)
			defer done()
			cpuLoop(b, ins, run)
		})
	}
	b.Run("lib=procpool", func(b *testing.B) {
		p := procpool.New(cpuTask, procpool.Prestart())
		defer p.Close()
		warm(b, p, 1)
		cpuLoop(b, ins, func(ins []int) ([]int, error) { return p.Map(context.Background(), ins) })
	})
}

func cpuLoop(b *testing.B, ins []int, run mapFunc) {
	base := sequentialTime(ins) // before b.Loop, so not timed
	b.ReportAllocs()
	for b.Loop() {
		if _, err := run(ins); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(base)*float64(b.N)/float64(b.Elapsed()), "speedup")
}

// BenchmarkSleep runs many 10 ms sleeps on many workers (-sleep.tasks,
// -sleep.workers) and reports the wall time over the ideal, one 10 ms round
// per workers tasks, as x-ideal.
func BenchmarkSleep(b *testing.B) {
	tasks := flagOr(sleepTasks, 10_000, 200)
	workers := flagOr(sleepWorkers, 1000, 100)
	ins := ints(tasks)
	ideal := time.Duration((tasks+workers-1)/workers) * sleepFor
	for _, lib := range mapLibs {
		if lib.name == "sequential" {
			continue // tasks × 10 ms
		}
		b.Run("tasks="+count(tasks)+"/lib="+lib.name, func(b *testing.B) {
			run, done := lib.open(workers, sleepy)
			defer done()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := run(ins); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(ideal), "x-ideal")
		})
	}
}
