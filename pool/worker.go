package pool

import "sync"

// runner is one unit of work in the queue: a Submit task, a share of a Map,
// or a batch of a MapSeq.
type runner[In, Out any] interface {
	// run does the work on w. If a task calls runtime.Goexit, run must
	// settle that task and hand itself to w.replace so a new goroutine
	// resumes it; calling run again must go on where it stopped.
	run(w *worker[In, Out])
	// drop settles all the work of a runner that never ran with err. It is
	// called on w's goroutine.
	drop(w *worker[In, Out], err error)
	// interrupt cancels a running runner's context with err. It may be
	// called after run has returned, and must then do no harm.
	interrupt(err error)
}

// worker runs runners from the queue, one at a time, on one goroutine.
type worker[In, Out any] struct {
	p *Pool[In, Out]

	mu  sync.Mutex
	cur runner[In, Out] // what the worker runs now, for Shutdown and Stats

	slot slot // its hold on the pool's shared limit

	tally
}

// loop runs resume, if any, then runners from the queue until it is closed
// and empty, once the worker's initializer has succeeded.
func (w *worker[In, Out]) loop(resume runner[In, Out]) {
	if resume != nil {
		w.runOne(resume, true)
	}
	if w.initialise() {
		for r := range w.p.queue.C {
			w.runOne(r, false)
		}
	}
	if w.p.live.Add(-1) == 0 {
		close(w.p.exited)
	}
}

// runOne runs r, or drops it after CancelQueued or once Shutdown has given
// up. A resumed runner, which ran in part before its task called
// runtime.Goexit, is never dropped: it goes on as a running one does, and
// is cancelled if Shutdown has given up.
func (w *worker[In, Out]) runOne(r runner[In, Out], resumed bool) {
	w.mu.Lock()
	if w.p.dropping.Load() && !resumed {
		w.mu.Unlock()
		r.drop(w, ErrShutdownCancel)
		return
	}
	w.cur = r
	w.mu.Unlock()

	if resumed && w.p.gaveUp.Load() {
		r.interrupt(ErrShutdownCancel)
	}
	r.run(w)
	w.slot.leave()

	w.mu.Lock()
	w.cur = nil
	w.mu.Unlock()
}

// replace starts a goroutine that takes over from the current one, which a
// task is ending with runtime.Goexit, and resumes r first if it is not nil.
// It must be the last thing the dying goroutine does to w.
func (w *worker[In, Out]) replace(r runner[In, Out]) {
	w.slot.leave()
	w.mu.Lock()
	w.cur = nil
	w.mu.Unlock()
	go w.loop(r)
}

// interrupt cancels whatever w is running with err.
func (w *worker[In, Out]) interrupt(err error) {
	w.mu.Lock()
	cur := w.cur
	w.mu.Unlock()
	if cur != nil {
		cur.interrupt(err)
	}
}

// addTo adds w's counters to s. An input that waits for the shared limit
// is still queued.
func (w *worker[In, Out]) addTo(s *Stats) {
	w.tally.addTo(s)
	w.mu.Lock()
	busy := w.cur != nil
	w.mu.Unlock()
	switch {
	case busy && w.slot.waiting():
		s.Queued++
	case busy:
		s.Running++
	}
}
