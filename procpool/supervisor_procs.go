package procpool

import (
	"context"
	"errors"
	"syscall"
	"time"
)

// The supervisor's side of worker processes, under Pool.mu as the rest of
// its state (see supervisor.go): starting them on demand, their arrival,
// retirement and end, failures to start, and the end of the pool's work.

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
	p.demandLocked() // one fewer is starting
	p.mu.Unlock()
	w.lastHeard.Store(time.Now().UnixNano())
	p.log.Info("procpool: worker ready", "slot", s.index, "pid", w.pid, "host", w.host)
	if finished {
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
