package main

import (
	"context"
	"runtime"
	"time"

	"github.com/poolkit/poolkit/procpool"
)

// spinLoop runs iters steps of a xorshift generator and returns its state,
// so that the compiler cannot drop the loop. It is kept out of line so that
// every engine runs the same machine code.
//
//go:noinline
func spinLoop(iters int) uint64 {
	x := uint64(88172645463325252)
	for range iters {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// spin is the task: iters steps of the spin loop.
func spin(_ context.Context, iters int) (uint64, error) {
	return spinLoop(iters), nil
}

// spinTask is spin registered for worker processes.
var spinTask = procpool.Register("spin", spin)

// calibrate returns how many spin iterations take a microsecond here: the
// best of a few runs of about 5 ms, so a busy moment does not count.
func calibrate() int {
	const iters = 1 << 20
	best := time.Duration(1<<63 - 1)
	for range 5 {
		start := time.Now()
		runtime.KeepAlive(spinLoop(iters))
		best = min(best, time.Since(start))
	}
	return max(1, int(iters*int64(time.Microsecond)/int64(best)))
}
