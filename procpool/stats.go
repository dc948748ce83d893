package procpool

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/poolkit/poolkit/pool"
)

// Stats is a snapshot of a Pool's counters and workers. The embedded
// [pool.Stats] means the same as for the goroutine engine, counting inputs.
type Stats struct {
	pool.Stats

	Died          uint64 // worker processes that died unexpectedly
	Killed        uint64 // worker processes killed for ignoring cancellation or a timeout
	Recycled      uint64 // worker processes replaced after RecycleAfter or MaxRSS
	StartFailures uint64 // worker processes that did not start
	StderrDropped uint64 // lines of workers' stderr dropped because the Stderr writer was blocked

	Procs []WorkerStats // one per worker slot
}

// WorkerStats describes one worker slot and its process.
type WorkerStats struct {
	Slot     int
	PID      int    // 0 while no process runs in the slot
	Host     string // the host the worker runs on
	Tasks    uint64 // inputs the current process has finished
	RSS      uint64 // resident memory in bytes, as the worker last measured it (Linux): when ready, about every second, after inputs now and then, and with MaxRSS after each input
	Restarts int    // processes in this slot that died or were killed
}

// counters are the pool's input and process counters.
type counters struct {
	submitted, completed, failed, cancelled, panicked atomic.Uint64
	died, killed, recycled, startFailures             atomic.Uint64
}

// count records the outcome of one input.
func (c *counters) count(err error) {
	c.add(err, 1)
}

// uncount takes back an outcome recorded by count.
func (c *counters) uncount(err error) {
	c.add(err, ^uint64(0))
}

func (c *counters) add(err error, n uint64) {
	if err == nil {
		c.completed.Add(n)
		return
	}
	c.addFailure(err, n)
}

// addFailure is add for an error; apart, so that a success allocates
// nothing for errors.As.
func (c *counters) addFailure(err error, n uint64) {
	var pe *pool.PanicError
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		c.cancelled.Add(n)
	case errors.As(err, &pe):
		c.panicked.Add(n)
		c.failed.Add(n)
	default:
		c.failed.Add(n)
	}
}
