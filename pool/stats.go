package pool

import (
	"context"
	"errors"
	"sync/atomic"
)

// Stats is a snapshot of an executor's counters. While the executor is busy
// the fields are read one by one and may disagree slightly; once Shutdown has
// returned they are exact, and Submitted = Completed + Failed + Cancelled.
//
// Each input of Map and MapSeq counts as one task.
type Stats struct {
	Workers int // workers now
	Queued  int // tasks accepted and not yet started
	Running int // tasks running now

	Submitted uint64 // tasks accepted in total
	Completed uint64 // tasks that returned a value
	Failed    uint64 // tasks that returned an error or panicked
	Cancelled uint64 // tasks that settled as cancelled or past a deadline, started or not
	Panicked  uint64 // tasks that panicked; also counted in Failed
}

// tally holds the outcome counters of one worker. Only that worker writes
// them, so an increment is a load and a store, never a contended add.
type tally struct {
	completed, failed, cancelled, panicked atomic.Uint64
	_                                      [4]uint64 // keep workers' tallies off each other's cache lines
}

func bump(c *atomic.Uint64, n uint64) { c.Store(c.Load() + n) }

// count records the outcome of one task.
func (t *tally) count(err error, cancelled bool) {
	t.add(err, cancelled, 1)
}

// uncount takes back an outcome recorded by count(err, false).
func (t *tally) uncount(err error) {
	t.add(err, false, ^uint64(0))
}

func (t *tally) add(err error, cancelled bool, n uint64) {
	switch {
	case cancelled || isCancellation(err):
		bump(&t.cancelled, n)
	case err == nil:
		bump(&t.completed, n)
	default:
		bump(&t.failed, n)
		if _, ok := err.(*PanicError); ok {
			bump(&t.panicked, n)
		}
	}
}

// addTo adds t's counters to s.
func (t *tally) addTo(s *Stats) {
	s.Completed += t.completed.Load()
	s.Failed += t.failed.Load()
	s.Cancelled += t.cancelled.Load()
	s.Panicked += t.panicked.Load()
}

// isCancellation reports whether err settles a task as cancelled: it
// matches context.Canceled or context.DeadlineExceeded.
func isCancellation(err error) bool {
	return err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}
