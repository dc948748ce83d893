package procpool

import (
	"context"
	"errors"
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
				w.serve()
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

// start starts a worker process for s and completes the handshake.
func (s *slot[In, Out]) start() (*worker[In, Out], *WorkerError) {
	p := s.p
	if p.stop.Err() != nil {
		return nil, &WorkerError{Kind: ErrStart, Slot: s.index, Err: errors.New("the pool is shutting down")}
	}
	cmd := s.launch()
	cmd.Env = workerEnv(cmd.Env, s.local)
	log := newStderrLog(p.fw)
	pr, err := startProc(p.spawner, cmd, s.local, log)
	if err != nil {
		return nil, &WorkerError{Kind: ErrStart, Slot: s.index, Err: err, Stderr: log.lastLines()}
	}
	p.log.Debug("procpool: started worker", "slot", s.index, "pid", pr.pid, "command", cmd.String())
	h := &handshake{cfg: &p.cfg, setup: p.setup.Setup, pr: pr, local: s.local, ownProgram: s.local && p.cfg.command == nil}
	// Shutdown giving up ends a handshake that hangs.
	unwatch := context.AfterFunc(p.stop, pr.kill)
	err = h.run()
	unwatch()
	if err == nil && p.stop.Err() != nil {
		err = errors.New("the pool is shutting down")
	}
	if err != nil {
		pr.kill()
		exit := pr.wait()
		pid := h.pid
		if pid == 0 {
			pid = pr.pid // it ran, but never said who it is
		}
		return nil, &WorkerError{Kind: ErrStart, Slot: s.index, PID: pid, Host: remoteHost(h.host), Err: err,
			ExitCode: exit.code, Signal: exit.signal, Status: exit.text, Stderr: log.lastLines()}
	}
	w := newWorker(s, pr, h)
	p.workerReady(w)
	return w, nil
}
