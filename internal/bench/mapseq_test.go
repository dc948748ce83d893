package bench_test

import (
	"bufio"
	"context"
	"fmt"
	"iter"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// BenchmarkMapSeq streams 1M and 10M tiny inputs through MapSeq and reports
// the peak resident memory as peak-MB: this process's, plus the workers'
// for procpool. Flat means the same at 10M as at 1M. Linux only.
func BenchmarkMapSeq(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{size(1_000_000, 10_000), size(10_000_000, 100_000)} {
		name := "items=" + count(n)
		b.Run(name+"/lib=sequential", func(b *testing.B) {
			streamPeak(b, n, nil, func(ins iter.Seq[int]) iter.Seq2[int, error] {
				return func(yield func(int, error) bool) {
					for x := range ins {
						if !yield(tiny(x), nil) {
							return
						}
					}
				}
			})
		})
		b.Run(name+"/lib=poolkit", func(b *testing.B) {
			p := pool.New(func(_ context.Context, x int) (int, error) { return tiny(x), nil })
			defer p.Close()
			streamPeak(b, n, nil, func(ins iter.Seq[int]) iter.Seq2[int, error] { return p.MapSeq(ctx, ins) })
		})
		b.Run(name+"/lib=procpool", func(b *testing.B) {
			p := procpool.New(tinyTask, procpool.Prestart())
			defer p.Close()
			warm(b, p, 1)
			streamPeak(b, n, p.Stats, func(ins iter.Seq[int]) iter.Seq2[int, error] { return p.MapSeq(ctx, ins) })
		})
	}
}

// streamPeak runs mapSeq over n inputs per op and reports peak-MB and
// ns/item. stats, if not nil, names the worker processes to add.
func streamPeak(b *testing.B, n int, stats func() procpool.Stats, mapSeq func(iter.Seq[int]) iter.Seq2[int, error]) {
	if err := resetPeak(); err != nil {
		b.Skipf("cannot measure the peak RSS here: %v", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		got := 0
		for out, err := range mapSeq(upTo(n)) {
			if err != nil {
				b.Fatal(err)
			}
			got += out & 1
		}
		if got != n {
			b.Fatalf("%d outputs for %d inputs", got, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/item")
	peak := vmHWM(b, "self")
	if stats != nil {
		for _, w := range stats().Procs {
			peak += vmHWM(b, strconv.Itoa(w.PID))
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
}

// upTo yields 0 to n-1 without holding them.
func upTo(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// resetPeak returns freed memory to the system and resets this process's
// peak RSS, so that VmHWM measures only what follows.
func resetPeak() error {
	runtime.GC()
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// vmHWM returns the peak RSS in bytes of a process from /proc.
func vmHWM(b *testing.B, pid string) uint64 {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			var kb uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatalf("no VmHWM in /proc/%s/status", pid)
	return 0
}
