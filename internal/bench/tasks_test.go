package bench_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/procpool"
)

// The workloads, as plain functions for the goroutine libraries and as
// registered tasks for procpool.

func tiny(x int) int { return 2*x + 1 }

// sumSquares is CPU-bound: the sum of the squares of 0..n-1.
//
//go:noinline
func sumSquares(n int) int {
	s := 0
	for i := range n {
		s += i * i
	}
	return s
}

const sleepFor = 10 * time.Millisecond

func sleepy(x int) int {
	time.Sleep(sleepFor)
	return x
}

var (
	tinyTask = procpool.Register("tiny", func(_ context.Context, x int) (int, error) {
		return tiny(x), nil
	})
	cpuTask = procpool.Register("sum-squares", func(_ context.Context, n int) (int, error) {
		return sumSquares(n), nil
	})
	echoTask = procpool.Register("echo", func(_ context.Context, b []byte) ([]byte, error) {
		return b, nil
	})
	// blockTask says "running" on stderr, then waits for its context.
	blockTask = procpool.Register("block", func(ctx context.Context, _ int) (int, error) {
		fmt.Fprintln(os.Stderr, "running")
		<-ctx.Done()
		return 0, ctx.Err()
	})
)

// sink keeps results the compiler could otherwise drop.
var sink atomic.Int64
