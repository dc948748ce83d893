package pool

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrInit is matched by the error of tasks that no worker could run
// because every worker's initializer (the Init option) failed.
var ErrInit = errors.New("pool: worker initializer failed")

// initialise runs the pool's initializer on w until it succeeds, backing
// off after each failure. While every worker's last attempt failed, tasks
// that come from the queue fail with the error instead of waiting. It
// reports false if the queue closed and emptied meanwhile.
func (w *worker[In, Out]) initialise() bool {
	p := w.p
	if p.cfg.init == nil {
		return true
	}
	failing, backoff := false, time.Duration(0)
	for {
		err := runInit(p.cfg.init)
		if err == nil {
			if failing {
				p.failing.Add(-1)
			}
			return true
		}
		if !failing {
			failing = true
			p.failing.Add(1)
		}
		backoff = min(max(2*backoff, 50*time.Millisecond), 2*time.Second)
		if !w.waitOrFail(backoff, fmt.Errorf("%w: %w", ErrInit, err)) {
			p.failing.Add(-1)
			return false
		}
	}
}

// waitOrFail waits d for the next attempt, failing the tasks it takes from
// the queue meanwhile if no worker has an initializer that works. It
// reports false if the queue closed and emptied.
func (w *worker[In, Out]) waitOrFail(d time.Duration, err error) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	closing := w.p.queue.Closing()
	for {
		var queue <-chan runner[In, Out]
		if int(w.p.failing.Load()) == w.p.cfg.workers {
			queue = w.p.queue.C
		}
		select {
		case <-t.C:
			return true
		case r, ok := <-queue:
			if !ok {
				return false
			}
			r.drop(w, err)
		case <-closing:
			// Workers that run will drain the queue; with none, this one
			// fails what is left.
			closing = nil
		}
	}
}

// runInit runs init, turning a panic into an error.
func runInit(init func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = NewPanicError(v)
		}
	}()
	return init(context.Background())
}
