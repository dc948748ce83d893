package procpool

import (
	"context"
	"slices"
	"time"

	"github.com/poolkit/poolkit/pool"
)

// Who owns what in the process engine, and the order of its locks.
//
// Pool.mu guards the supervisor's state, in this file (the queue and its
// assignment to workers) and in supervisor_procs.go (the worker
// processes): the queue of requests waiting for a worker, each worker's
// share of it (how many requests it carries, how many it may, whether it
// retires), which workers are idle, each slot's state, whether intake is
// closed, and how many jobs are outstanding. worker.mu guards that worker's table of requests in
// flight (what each has returned, whether it was cancelled) and its
// timers. job.mu guards the outcomes of a job's inputs and where its
// requests are. Locks nest only in that order: Pool.mu, then worker.mu,
// then job.mu. worker.writeMu, the request pipe, is taken with no other
// lock held, and a callback (a future's) never runs under a lock.
//
// Goroutines: a caller writes its request to a worker itself when one has
// room, and queues it otherwise. Each slot has one goroutine that starts
// its worker process, reads the worker's replies, settles them, writes the
// next queued requests when a reply makes room, and reaps the process when
// it ends. A pool-wide goroutine forwards the workers' stderr. Timers kill
// processes (a watchdog for cancelled and timed-out inputs, a liveness
// check), and nothing else.
//
// Stopping has one signal, Pool.stop, a context cancelled when Shutdown
// gives up waiting; Pool.done is closed when the pool has nothing left to
// do, after which idle workers are asked to exit.

// enqueue hands r to a worker with room or queues it, waiting while the
// queue is full if wait is set. A request of a call already accepted
// (Map's later batches) is let through a closed intake with accepted set.
func (p *Pool[In, Out]) enqueue(ctx context.Context, r *request[In, Out], wait, accepted bool) error {
	p.mu.Lock()
	for {
		if err := p.refusal(ctx, accepted); err != nil {
			p.mu.Unlock()
			return err
		}
		if w := p.roomLocked(); w != nil {
			p.acceptLocked(r)
			w.n++
			p.mu.Unlock()
			w.send(r)
			return nil
		}
		if p.queued < p.cfg.queue || accepted {
			p.acceptLocked(r)
			p.pushLocked(r, false)
			as := p.idleToAssignLocked()
			p.mu.Unlock()
			sendAssigned(as)
			return nil
		}
		if !wait {
			p.mu.Unlock()
			return pool.ErrQueueFull
		}
		p.waiters++
		p.demandLocked()
		space := p.space
		p.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
		case <-p.closing:
		case <-p.stop.Done():
		}
		p.mu.Lock()
		p.waiters--
	}
}

// refusal returns why a request cannot be accepted now, or nil. p.mu must
// be held.
func (p *Pool[In, Out]) refusal(ctx context.Context, accepted bool) error {
	switch {
	case p.stop.Err() != nil:
		return pool.ErrShutdownCancel
	case p.closed && !accepted:
		return pool.ErrClosed
	case p.dropping: // a Map's later batch, after CancelQueued
		return pool.ErrShutdownCancel
	}
	return ctx.Err()
}

// acceptLocked counts a request's job as outstanding, once.
func (p *Pool[In, Out]) acceptLocked(r *request[In, Out]) {
	if r.first {
		p.outstanding++
		p.stats.submitted.Add(uint64(r.len()))
	}
}

// pushLocked queues r, at the front if it runs again after its worker
// could not run it. p.mu must be held.
func (p *Pool[In, Out]) pushLocked(r *request[In, Out], front bool) {
	if front {
		p.queue = append(p.queue, nil)
		copy(p.queue[1:], p.queue)
		p.queue[0] = r
	} else {
		p.queue = append(p.queue, r)
		p.queued++
		r.counted = true
	}
	p.demandLocked()
}

// requeue queues requests again, ahead of new ones, in order.
func (p *Pool[In, Out]) requeue(rs ...*request[In, Out]) {
	if len(rs) == 0 {
		return
	}
	p.mu.Lock()
	if p.stop.Err() != nil { // Shutdown gave up: nothing will take them
		p.mu.Unlock()
		for _, r := range rs {
			r.job.fail(r, pool.ErrShutdownCancel)
		}
		return
	}
	for i := len(rs) - 1; i >= 0; i-- {
		p.pushLocked(rs[i], true)
	}
	as := p.idleToAssignLocked()
	p.mu.Unlock()
	sendAssigned(as)
}

// sendAssigned sends what was assigned under p.mu, which must not be held.
func sendAssigned[In, Out any](as []assignment[In, Out]) {
	for _, a := range as {
		a.w.sendAll(a.rs)
	}
}

// popLocked takes the first request of the queue. p.mu must be held.
func (p *Pool[In, Out]) popLocked() *request[In, Out] {
	r := p.queue[0]
	p.queue[0] = nil
	p.queue = p.queue[1:]
	if r.counted {
		r.counted = false
		p.queued--
		p.spaceLocked()
	}
	return r
}

// unqueue takes r out of the queue if it is there and reports whether it
// was, for a request whose job was cancelled.
func (p *Pool[In, Out]) unqueue(r *request[In, Out]) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, q := range p.queue {
		if q == r {
			p.queue = slices.Delete(p.queue, i, i+1)
			if r.counted {
				r.counted = false
				p.queued--
				p.spaceLocked()
			}
			return true
		}
	}
	return false
}

// spaceLocked wakes the callers waiting for room, if any.
func (p *Pool[In, Out]) spaceLocked() {
	if p.waiters > 0 {
		close(p.space)
		p.space = make(chan struct{})
	}
}

// roomLocked returns a worker that can take a request now, or nil: an idle
// one, the most recently idle first; or, once every slot has a worker and
// none is idle, the least loaded with room in its pipeline. Requests
// already queued go first. p.mu must be held.
func (p *Pool[In, Out]) roomLocked() *worker[In, Out] {
	if len(p.queue) > 0 {
		return nil
	}
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		w.isIdle = false
		return w
	}
	return p.pipelineLocked()
}

// pipelineLocked returns the least loaded ready worker with room for
// another request behind those it runs, if no slot is still to start a
// worker. p.mu must be held.
func (p *Pool[In, Out]) pipelineLocked() *worker[In, Out] {
	var best *worker[In, Out]
	for _, s := range p.slots {
		switch {
		case s.state == slotFree || s.state == slotStarting:
			return nil
		case s.state != slotRunning:
			continue
		}
		if w := s.w; !w.retiring && !w.gone && w.n < w.depth && (best == nil || w.n < best.n) {
			best = w
		}
	}
	return best
}

// assignment is requests given to a worker, to be sent once p.mu is
// released.
type assignment[In, Out any] struct {
	w  *worker[In, Out]
	rs []*request[In, Out]
}

// takeLocked gives w what it has room for from the queue, marking it idle
// if it ends with nothing. p.mu must be held.
func (p *Pool[In, Out]) takeLocked(w *worker[In, Out]) []*request[In, Out] {
	var rs []*request[In, Out]
	for len(p.queue) > 0 && !w.retiring && !w.gone && (w.n == 0 || (w.n < w.depth && p.pipelineLocked() != nil)) {
		rs = append(rs, p.popLocked())
		w.n++
	}
	if w.n == 0 && !w.retiring && !w.gone && !w.isIdle {
		w.isIdle = true
		p.idle = append(p.idle, w)
		p.spaceLocked()
	}
	return rs
}

// requestBack records that a request w carried is back, answered after
// took or never sent (took 0), adapts w's depth to the time requests take,
// and gives w more from the queue.
func (p *Pool[In, Out]) requestBack(w *worker[In, Out], took time.Duration) {
	p.sendNext(w, p.freeRoom(w, took))
}

// freeRoom records that a request w carried is back, and returns what w
// takes from the queue in its place, to send with sendNext. Done before
// the request's outputs are settled, it makes w idle before their callers
// can submit again, so they find it rather than start another worker.
func (p *Pool[In, Out]) freeRoom(w *worker[In, Out], took time.Duration) []*request[In, Out] {
	p.mu.Lock()
	defer p.mu.Unlock()
	w.n--
	if took > 0 {
		w.depth = depthFor(took, p.cfg.inFlight)
	}
	return p.takeLocked(w)
}

// sendNext sends rs, what w took from the queue, or asks w to exit if it
// retires and carries nothing more.
func (p *Pool[In, Out]) sendNext(w *worker[In, Out], rs []*request[In, Out]) {
	w.sendAll(rs)
	p.mu.Lock()
	done := w.retiring && w.n == 0
	p.mu.Unlock()
	if done {
		w.askToExit() // its slot starts another if there is work
	}
}

// pipeRoundTrip is about what a request and its reply cost on the pipe.
const pipeRoundTrip = 200 * time.Microsecond

// depthFor returns how many requests a worker should carry for requests
// that take took: enough to cover a round trip of the pipe, and two even
// for slow ones, so the next is at hand the moment one ends, up to limit.
// A worker queues requests only when no slot is idle or starting
// (pipelineLocked), so slow requests do not wait behind each other while
// another worker could run them.
func depthFor(took time.Duration, limit int) int {
	return max(min(2, limit), min(limit, 1+int(pipeRoundTrip/max(took, time.Microsecond))))
}

// idleToAssignLocked gives queued requests to idle workers. p.mu must be
// held.
func (p *Pool[In, Out]) idleToAssignLocked() []assignment[In, Out] {
	var as []assignment[In, Out]
	for len(p.queue) > 0 && len(p.idle) > 0 {
		w := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		w.isIdle = false
		as = append(as, assignment[In, Out]{w, p.takeLocked(w)})
	}
	return as
}

// removeIdleLocked takes w out of the idle workers. p.mu must be held.
func (p *Pool[In, Out]) removeIdleLocked(w *worker[In, Out]) {
	if !w.isIdle {
		return
	}
	w.isIdle = false
	for i, v := range p.idle {
		if v == w {
			p.idle = slices.Delete(p.idle, i, i+1)
			return
		}
	}
}
