package future_test

import (
	"context"
	"testing"
	"time"

	"github.com/poolkit/poolkit/future"
)

// BenchmarkSettleResult is the path every executor's Submit ends on: a
// promise settled by the producer and read by the consumer.
func BenchmarkSettleResult(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := future.NewPromise[int]()
		p.Settle(i, nil)
		if _, err := p.Future().Result(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOnSettle registers a callback on a pending future and settles it.
func BenchmarkOnSettle(b *testing.B) {
	b.ReportAllocs()
	calls := 0
	for i := 0; b.Loop(); i++ {
		p := future.NewPromise[int]()
		p.Future().OnSettle(func(int, error) { calls++ })
		p.Settle(i, nil)
	}
	if calls != b.N {
		b.Fatalf("%d callbacks ran, want %d", calls, b.N)
	}
}

// BenchmarkWaitTimeout is the polling loop of a Python-style caller: Wait
// with a short timeout, again and again, over futures that stay pending.
// Each Wait must leave nothing behind on the futures.
func BenchmarkWaitTimeout(b *testing.B) {
	ps, fs := promises(1000)
	b.ReportAllocs()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Microsecond)
		_, pending, _ := future.Wait(ctx, future.FirstCompleted, fs...)
		cancel()
		if len(pending) != len(fs) {
			b.Fatalf("%d pending, want %d", len(pending), len(fs))
		}
	}
	b.StopTimer()
	start := time.Now()
	for i, p := range ps {
		p.Settle(i, nil)
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds()), "ns-to-settle-all")
}

// BenchmarkAsCompleted yields 1,000 futures that settle while the loop
// waits.
func BenchmarkAsCompleted(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ps, fs := promises(1000)
		go func() {
			for i, p := range ps {
				p.Settle(i, nil)
			}
		}()
		n := 0
		for range future.AsCompleted(ctx, fs...) {
			n++
		}
		if n != len(fs) {
			b.Fatalf("%d yielded, want %d", n, len(fs))
		}
	}
}
