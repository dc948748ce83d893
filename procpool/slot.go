package procpool

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// slot is one of the pool's workers: a goroutine that starts a worker
// process when there is work, serves it, reaps it, and starts another.
type slot[In, Out any] struct {
	p      *Pool[In, Out]
	index  int
	local  bool             // started on this machine, so it gets a CPU share
	launch func() *exec.Cmd // builds the command that starts a worker

	mu       sync.Mutex
	w        *worker[In, Out] // the live worker, or nil
	restarts int
	backoff  time.Duration
}

// run is the slot's goroutine.
func (s *slot[In, Out]) run() {
	defer s.p.slots.Done()
	prestart := s.p.cfg.prestart
	for {
		var first *part[In, Out]
		if !prestart {
			var ok bool
			if first, ok = s.p.waitForWork(); !ok {
				return
			}
		}
		prestart = false
		s.p.starting(1)
		w, err := s.start()
		if err != nil {
			s.p.starting(-1)
			if first != nil {
				s.p.intake.requeue(first)
			}
			if s.p.isAbandoned() {
				return
			}
			s.p.startFailed(s, err)
			if !s.sleep() {
				return
			}
			continue
		}
		s.p.ready(1) // before starting(-1): a failing slot must not see nobody
		s.p.starting(-1)
		s.serve(w, first)
	}
}

// sleep waits out the slot's back-off after a failed start, doubling it
// for next time. It reports false if the pool is done meanwhile.
func (s *slot[In, Out]) sleep() bool {
	s.backoff = min(max(2*s.backoff, 50*time.Millisecond), 2*time.Second)
	t := time.NewTimer(s.backoff)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.p.intake.finished:
	case <-s.p.abandon:
	}
	return false
}

// serve runs w until it is gone and then reaps it.
func (s *slot[In, Out]) serve(w *worker[In, Out], first *part[In, Out]) {
	s.mu.Lock()
	s.w, s.backoff = w, 0
	s.mu.Unlock()
	s.p.log.Info("procpool: worker ready", "slot", s.index, "pid", w.pid, "host", w.host)
	w.setIdle()
	go w.read()
	w.pump(first)
	asked := !w.isDead()
	w.stop()
	w.kill() // the worker is gone or going: its descendants go with it
	werr := w.reap(asked)
	s.p.ready(-1)
	s.mu.Lock()
	s.w = nil
	if werr.Kind != nil {
		s.restarts++
	}
	s.mu.Unlock()
	w.failInflight(werr)
}

// stop ends the worker once the pump is done: it is killed if the pool is
// abandoning its work, and otherwise asked to exit by closing its stdin,
// and killed if it has not after the kill grace.
func (w *worker[In, Out]) stop() {
	if w.p.isAbandoned() {
		w.kill()
	}
	w.stdin.Close()
	t := time.NewTimer(w.p.cfg.killGrace)
	defer t.Stop()
	select {
	case <-w.dead:
	case <-t.C:
		w.kill()
		<-w.dead
	}
}

// launcherGrace is how long a launcher (ssh, srun) has after SIGTERM to
// pass the end on to its remote worker before it is killed outright.
const launcherGrace = time.Second

// kill kills the worker's process group, unless the worker has been reaped
// already: its pid may belong to another process by then.
func (w *worker[In, Out]) kill() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.killLocked()
}

// killLocked is kill with w.mu held. A local worker is killed at once. A
// launcher is asked first: killed outright, srun cannot cancel its job
// step, so the remote worker would run on.
func (w *worker[In, Out]) killLocked() {
	switch {
	case w.proc == nil || w.reaped:
	case w.slot.local:
		_ = killGroup(w.proc)
	case w.hardKill == nil:
		_ = termGroup(w.proc)
		w.hardKill = time.AfterFunc(launcherGrace, func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			if !w.reaped {
				_ = killGroup(w.proc)
			}
		})
	}
}

// isDead reports whether the worker's reply stream has ended.
func (w *worker[In, Out]) isDead() bool {
	select {
	case <-w.dead:
		return true
	default:
		return false
	}
}

// reap waits for the worker process and returns what became of it. The
// error's Kind is nil for a worker that exited as asked with nothing in
// flight.
func (w *worker[In, Out]) reap(asked bool) *WorkerError {
	w.mu.Lock()
	werr, reason, idle := w.killed, w.deadReason, len(w.inflight) == 0
	w.mu.Unlock()
	if werr == nil {
		werr = &WorkerError{}
		if !asked || !idle {
			werr.Kind = ErrWorkerDied
		}
		if reason != nil && !errors.Is(reason, io.EOF) && !errors.Is(reason, os.ErrClosed) {
			werr.Err = reason
		}
	}
	werr.Slot, werr.PID, werr.Host = w.slot.index, w.pid, w.host
	werr.Status, werr.Stderr = w.wait()
	w.p.logExit(werr)
	return werr
}

// wait marks the worker reaped, so nothing signals its pid again, stops
// its timers, waits for the process, and returns how it ended and the
// last lines of its stderr.
func (w *worker[In, Out]) wait() (status string, stderr []string) {
	w.mu.Lock()
	w.reaped = true
	w.dog.Stop()
	if w.hardKill != nil {
		w.hardKill.Stop()
	}
	w.mu.Unlock()
	status = exitStatus(w.cmd, w.cmd.Wait())
	w.replies.Close()
	w.stderr.close()
	return status, w.stderr.lastLines()
}

// exitStatus describes how a process ended, from what Wait returned.
func exitStatus(cmd *exec.Cmd, err error) string {
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ProcessState.String()
	case cmd.ProcessState != nil: // nil, or output still held open by a descendant
		return cmd.ProcessState.String()
	case err == nil:
		return "exit status 0"
	}
	return err.Error()
}
