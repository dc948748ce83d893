package procpool

import (
	"context"
	"errors"
	"slices"
	"syscall"
	"time"

	"github.com/poolkit/poolkit/pool"
)

// Who owns what in the process engine, and the order of its locks.
//
// Pool.mu guards the supervisor's state, in this file: the queue of
// requests waiting for a worker, each worker's share of it (how many
// requests it carries, how many it may, whether it retires), which workers
// are idle, each slot's state, whether intake is closed, and how many jobs
// are outstanding. worker.mu guards that worker's table of requests in
// flight (what each has returned, whether it was cancelled) and its
// timers. job.mu guards the outcomes of a job's inputs and where its
// requests are. Locks nest only in that order: Pool.mu, then worker.mu,
// then job.mu. worker.writeMu, the request pipe, is taken with no other
// lock held (also by the reaping of the process, which unmaps its lanes
// under it once no one reads its replies), and a callback (a future's)
// never runs under a lock.
//
// Goroutines: a caller writes its request to a worker itself when one has
// room, and queues it otherwise. Each slot has one goroutine that starts
// its worker process, reads the worker's replies, settles them, writes the
// next queued requests when a reply makes room, and reaps the process when
// it ends. A pool-wide goroutine forwards the workers' stderr. Timers kill
// processes (a watchdog for cancelled and timed-out inputs, a liveness
// check), and nothing else.
//
// A pool on a Set borrows its workers' processes from the set. Set.mu
// guards which pool holds which process, and is taken with no other lock
// held; the set calls into a pool (yield, Shutdown) with it released.
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
	case p.closed && !accepted:
		return pool.ErrClosed
	case p.stop.Err() != nil:
		return pool.ErrShutdownCancel
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
		if w := s.w; w.open() && w.n < w.depth && (best == nil || w.n < best.n) {
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
	for len(p.queue) > 0 && w.open() && (w.n == 0 || (w.n < w.depth && p.pipelineLocked() != nil)) {
		rs = append(rs, p.popLocked())
		w.n++
	}
	switch {
	case w.n > 0 || !w.open() || w.isIdle:
	case p.set != nil && p.set.wanted.Load() > 0:
		w.yielding = true // another pool waits for a worker: this one goes back (see sendNext)
	default:
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
// retires or goes back to its set, and carries nothing more.
func (p *Pool[In, Out]) sendNext(w *worker[In, Out], rs []*request[In, Out]) {
	w.sendAll(rs)
	p.mu.Lock()
	done := (w.retiring || w.yielding) && w.n == 0
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

// maxStarting bounds the workers starting at once: starting many more
// than the CPUs can handshake with only makes each start slower, and under
// a shortage of processes or files they would fail together.
const maxStarting = 8

// demandLocked starts workers in free slots while more requests wait, or
// callers wait to queue, than the workers starting will take. p.mu must be
// held.
func (p *Pool[In, Out]) demandLocked() {
	starting := 0
	for _, s := range p.slots {
		if s.state == slotStarting {
			starting++
		}
	}
	want := min(len(p.queue)+p.waiters-starting-len(p.idle), maxStarting-starting)
	for _, s := range p.slots {
		if want <= 0 {
			return
		}
		if s.state == slotFree {
			s.state = slotStarting
			s.signal()
			want--
		}
	}
}

// jobDone records that a job is finished, and finishes the pool if
// nothing is left.
func (p *Pool[In, Out]) jobDone() {
	p.mu.Lock()
	p.outstanding--
	ws := p.finishLocked()
	p.mu.Unlock()
	askToExit(ws)
}

// finishLocked closes done once intake is closed and no job is
// outstanding, and returns the workers to ask to exit. p.mu must be held.
func (p *Pool[In, Out]) finishLocked() []*worker[In, Out] {
	if !p.closed || p.outstanding > 0 || p.finished {
		return nil
	}
	p.finished = true
	close(p.done)
	var ws []*worker[In, Out]
	for _, s := range p.slots {
		if s.state == slotRunning {
			ws = append(ws, s.w)
		}
	}
	return ws
}

// askToExit asks each of ws to exit; p.mu must not be held.
func askToExit[In, Out any](ws []*worker[In, Out]) {
	for _, w := range ws {
		w.askToExit()
	}
}

// backoffFor returns how long a slot waits before it starts a worker again
// after its last start failed.
func backoffFor(prev time.Duration) time.Duration {
	return min(max(2*prev, 50*time.Millisecond), 2*time.Second)
}

// workerReady makes a started worker available, and gives it what waits.
func (p *Pool[In, Out]) workerReady(w *worker[In, Out]) {
	p.mu.Lock()
	s := w.slot
	s.state, s.w, s.failed, s.backoff = slotRunning, w, false, 0
	p.shortSince = time.Time{}
	finished := p.finished
	rs := p.takeLocked(w)
	yield := w.yielding && w.n == 0
	p.demandLocked() // one fewer is starting
	p.mu.Unlock()
	w.lastHeard.Store(time.Now().UnixNano())
	p.log.Info("procpool: worker ready", "slot", s.index, "pid", w.pid, "host", w.host)
	if finished || yield {
		w.askToExit()
		return
	}
	w.sendAll(rs)
}

// workerGone takes a worker whose stream ended out of service.
func (p *Pool[In, Out]) workerGone(w *worker[In, Out]) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w.gone = true
	p.removeIdleLocked(w)
}

// isDropping reports whether CancelQueued was called.
func (p *Pool[In, Out]) isDropping() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropping
}

// isFinishing reports whether the pool has asked its workers to exit.
func (p *Pool[In, Out]) isFinishing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.finished
}

// retire stops giving w requests: it reached RecycleAfter or MaxRSS. It
// exits once what it carries is back, and its slot starts another worker
// if there is work.
func (p *Pool[In, Out]) retire(w *worker[In, Out], rss uint64) {
	p.mu.Lock()
	first := !w.retiring
	w.retiring = true
	p.removeIdleLocked(w)
	p.mu.Unlock()
	if first {
		p.stats.recycled.Add(1)
		p.log.Info("procpool: recycling worker", "slot", w.slot.index, "pid", w.pid, "tasks", w.tasks.Load(), "rss", rss)
	}
}

// yield gives one of the pool's workers back to its set, for another
// pool that holds others of them: an idle one at once; else, if the pool
// holds more than that one, the least loaded, once what it carries is
// back. It reports whether it will.
func (p *Pool[In, Out]) yield(others int) bool {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		w.isIdle, w.yielding = false, true
		p.mu.Unlock()
		w.askToExit()
		return true
	}
	var pick *worker[In, Out]
	held := 0
	for _, s := range p.slots {
		if s.state == slotRunning && s.w.open() {
			held++
			if pick == nil || s.w.n < pick.n {
				pick = s.w
			}
		}
	}
	if pick == nil || held <= others {
		p.mu.Unlock()
		return false
	}
	pick.yielding = true
	now := pick.n == 0
	p.mu.Unlock()
	if now {
		pick.askToExit()
	}
	return true
}

// slotFreed records that a slot's worker is gone, and starts another in
// it if there is work.
func (p *Pool[In, Out]) slotFreed(s *slot[In, Out], died bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.state, s.w = slotFree, nil
	if died {
		s.restarts++
	}
	p.demandLocked()
}

// startFailed records a worker that did not start and returns how long
// its slot waits before trying again. If no worker is ready, none is
// starting, and every slot's last start failed, nothing can run the queued
// inputs for now, so they fail with the error instead of waiting for a
// worker that may never come.
func (p *Pool[In, Out]) startFailed(s *slot[In, Out], werr *WorkerError) time.Duration {
	p.stats.startFailures.Add(1)
	p.log.Error("procpool: worker did not start", "slot", s.index, "err", werr)
	p.mu.Lock()
	s.state, s.failed = slotWaiting, true
	s.backoff = backoffFor(s.backoff)
	d := s.backoff
	stuck := p.stuckLocked(werr)
	var queued []*request[In, Out]
	if stuck {
		queued = p.queue
		p.queue, p.queued = nil, 0
		p.spaceLocked()
	} else {
		p.demandLocked() // another slot may start what this one could not
	}
	p.mu.Unlock()
	for _, r := range queued {
		r.job.fail(r, werr)
	}
	return d
}

// stuckLocked reports whether no worker can run queued inputs for now:
// none is ready or starting, and either the worker that just failed ran
// (and did not speak the protocol, or failed its handshake: a start that
// fails that way fails the same way again), or every slot's last start
// failed (for want of processes or files, say, when any slot might succeed
// later). p.mu must be held.
func (p *Pool[In, Out]) stuckLocked(werr *WorkerError) bool {
	allFailed := true
	for _, o := range p.slots {
		switch {
		case o.state == slotRunning || o.state == slotStarting:
			return false
		case !o.failed:
			allFailed = false
		}
	}
	if isTransient(werr.Err) {
		// Out of processes, files or memory for now: others may free
		// them. Fail the inputs only if that lasts a start timeout.
		if p.shortSince.IsZero() {
			p.shortSince = time.Now()
		}
		return allFailed && time.Since(p.shortSince) > p.cfg.startTimeout
	}
	return allFailed || werr.PID != 0
}

// isTransient reports whether err is a shortage that may pass: of
// processes, files, or memory.
func isTransient(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.ENOMEM)
}

// startAgain reports whether a slot that waited out its back-off should
// try again: there is still work for it.
func (p *Pool[In, Out]) startAgain(s *slot[In, Out]) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.state = slotFree
	p.demandLocked()
	if s.state != slotStarting {
		return false
	}
	select { // the signal demandLocked sent this slot
	case <-s.wake:
	default:
	}
	return true
}

// logExit logs how a worker ended.
func (p *Pool[In, Out]) logExit(werr *WorkerError) {
	if werr.Kind == nil {
		p.log.Info("procpool: worker exited", "slot", werr.Slot, "pid", werr.PID, "status", werr.Status)
		return
	}
	p.stats.died.Add(1)
	p.log.Warn("procpool: worker died", "slot", werr.Slot, "pid", werr.PID, "status", werr.Status, "err", werr)
}

// beginCall accepts a call that holds the pool open until it returns, as
// Map does, so that Shutdown lets it finish.
func (p *Pool[In, Out]) beginCall(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.refusal(ctx, false); err != nil {
		return err
	}
	p.outstanding++
	return nil
}
