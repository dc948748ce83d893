package pooltest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmark measures what the contract promises in time rather than in
// outcome, on e, as sub-benchmarks:
//
//   - MapSeq/LiveFeed: a producer gives a burst of inputs, as a live feed
//     does, and then one input at a time, pausing until its output is
//     back. The figure, in ns/output, is how long each such output takes:
//     about the engine's batching delay plus the task's own time, however
//     long the producer pauses.
func Benchmark(b *testing.B, e Engine) {
	b.Run("MapSeq/LiveFeed", func(b *testing.B) { liveFeed(b, e) })
}

// liveFeed is the MapSeq/LiveFeed benchmark.
func liveFeed(b *testing.B, e Engine) {
	ex := e.New(b, Config{Workers: 2})
	defer ex.Close()
	const burst = 2000
	var sentAt atomic.Int64 // when the paused producer gave its input
	next := make(chan bool, 1)
	ins := func(yield func(Input) bool) {
		for i := range burst {
			if !yield(Input{Op: Square, N: i}) {
				return
			}
		}
		for <-next {
			sentAt.Store(time.Now().UnixNano())
			if !yield(Input{Op: Square, N: 3}) {
				return
			}
		}
	}
	var total time.Duration
	var failure error
	n, paused := 0, 0
	for out, err := range ex.MapSeq(bg(), ins) {
		n++
		switch {
		case err != nil:
			failure = err
		case n <= burst:
			if n == burst {
				b.ResetTimer()
				next <- true
			}
			continue
		case out.N != 9:
			failure = fmt.Errorf("output %d, want 9", out.N)
		}
		if failure != nil {
			next <- false // the producer may wait for it: let it return
			break
		}
		total += time.Duration(time.Now().UnixNano() - sentAt.Load())
		if paused++; paused == b.N {
			next <- false
			break
		}
		next <- true
	}
	if failure != nil {
		b.Fatal(failure)
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/output")
}
