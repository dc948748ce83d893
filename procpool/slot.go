package procpool

import (
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// slot is one of the pool's places for a worker: a goroutine that starts
// a worker process when the supervisor asks, serves it until it ends,
// reaps it, and waits to be asked again.
type slot[In, Out any] struct {
	p      *Pool[In, Out]
	index  int
	local  bool             // started on this machine, so it gets a CPU share
	launch func() *exec.Cmd // builds the command that starts a worker
	wake   chan struct{}    // the supervisor asks for a worker

	// Guarded by Pool.mu.
	state    slotState
	w        *worker[In, Out] // the ready worker, if state is slotRunning
	restarts int
	failed   bool // the last start failed
	backoff  time.Duration
}

// slotState is where a slot is in its life.
type slotState uint8

const (
	slotFree     slotState = iota // no process; ready to start one
	slotStarting                  // starting a process
	slotRunning                   // its worker is ready
	slotWaiting                   // backing off after a failed start
)

// signal asks the slot to start a worker. Pool.mu must be held.
func (s *slot[In, Out]) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run is the slot's goroutine.
func (s *slot[In, Out]) run() {
	p := s.p
	defer p.slotsWG.Done()
	for {
		select {
		case <-s.wake:
		case <-p.done:
			return
		case <-p.stop.Done():
			return
		}
		for {
			w, werr := s.start()
			if werr == nil {
				if w != nil {
					w.serve()
				}
				break
			}
			if !s.wait(werr) {
				return
			}
			if !p.startAgain(s) {
				break
			}
		}
	}
}

// wait records a failed start and waits out the slot's back-off. It
// reports false if the pool is done meanwhile.
func (s *slot[In, Out]) wait(werr *WorkerError) bool {
	p := s.p
	if p.stop.Err() != nil {
		return false
	}
	d := p.startFailed(s, werr)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-p.done:
	case <-p.stop.Done():
	}
	return false
}

// start starts a worker process for s and completes the handshake, or,
// for a pool on a set, borrows one of the set's.
func (s *slot[In, Out]) start() (*worker[In, Out], *WorkerError) {
	p := s.p
	if p.stop.Err() != nil {
		return nil, &WorkerError{Kind: ErrStart, Slot: s.index, Err: errors.New("the pool is shutting down")}
	}
	if p.set != nil {
		return s.borrow()
	}
	pr, h, werr := startProcess(&p.cfg, p.spawner, p.fw, p.setup.Setup, p.log, p.stop, s.index, s.local, s.launch)
	if werr != nil {
		return nil, werr
	}
	w := newWorker(s, pr, h)
	p.workerReady(w)
	return w, nil
}

// borrow gets a process from the pool's set and binds it to the pool's
// task. It returns nil and no error if the pool no longer needs one.
func (s *slot[In, Out]) borrow() (*worker[In, Out], *WorkerError) {
	p := s.p
	for lost := 0; ; lost++ {
		l, werr := p.set.acquire(p, p.done, p.stop)
		if l == nil {
			if werr == nil {
				p.slotFreed(s, false)
			}
			return nil, werr
		}
		err := bind(l, &p.setup, p.cfg.startTimeout)
		var refused *bindRefusal
		switch {
		case err == nil:
			w := newWorker(s, l.pr, l.h)
			w.lease = l
			p.workerReady(w)
			return w, nil
		case errors.As(err, &refused):
			p.set.release(l)
			return nil, &WorkerError{Kind: ErrStart, Slot: s.index, PID: l.h.pid, Host: remoteHost(l.h.host), Err: err}
		}
		// The process ended while it was idle, or does not answer: reap it,
		// and take another, once; a second in a row is a failed start.
		l.pr.kill()
		exit := l.pr.wait()
		p.set.gone(l)
		if lost > 0 {
			return nil, &WorkerError{Kind: ErrStart, Slot: s.index, PID: l.h.pid, Host: remoteHost(l.h.host),
				Err: fmt.Errorf("binding the worker to task %q: %w", p.task.name, err), ExitCode: exit.code, Signal: exit.signal, Status: exit.text}
		}
	}
}
