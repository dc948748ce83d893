package main

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/procpool"
)

// input is one piece of work: square N after Work, unless Runaway is set.
type input struct {
	N       int
	Work    time.Duration
	Runaway bool
}

// The runaway's state, package-level so that the pool half can watch it.
// In a worker process nothing ever sets stop.
var (
	spins atomic.Int64 // how many times the runaway has gone round its loop
	stop  atomic.Bool  // set to let the runaway return
)

// errStopped is the runaway's error once stop lets it return.
var errStopped = errors.New("runaway: stopped by the stop flag")

// step returns in.N squared after in.Work, or in.Work spent early if ctx
// ends. A runaway input ignores ctx: it goes round a loop every
// millisecond, counting in spins, until stop is set, and then fails.
func step(ctx context.Context, in input) (int, error) {
	if in.Runaway {
		for !stop.Load() {
			spins.Add(1)
			time.Sleep(time.Millisecond)
		}
		return 0, errStopped
	}
	t := time.NewTimer(in.Work)
	defer t.Stop()
	select {
	case <-t.C:
		return in.N * in.N, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// stepTask is step registered for worker processes.
var stepTask = procpool.Register("timeout.step", step)
