package procpool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
)

// noHandshake describes a worker that never spoke the protocol, with the
// likely cause: for a local worker, a program that does not call Main; for
// a launched one, also a launcher that did not get through.
func noHandshake(local bool, what string, err error) error {
	hint := "; does main call procpool.Main()?"
	if !local {
		hint = "; did the launcher reach the worker, and does its main call procpool.Main()?"
	}
	if err != nil {
		return fmt.Errorf("worker never completed the handshake (%s: %w)%s", what, err, hint)
	}
	return fmt.Errorf("worker never completed the handshake (%s)%s", what, hint)
}

// start starts a worker process for s and completes the handshake.
func (s *slot[In, Out]) start() (*worker[In, Out], *WorkerError) {
	p := s.p
	w := newWorker(p, s)
	if p.isAbandoned() {
		return nil, s.startError(w, errors.New("the pool is shutting down"))
	}
	if err := w.spawn(s.launch(), s.local); err != nil {
		return nil, s.startError(w, err)
	}
	p.log.Debug("procpool: started worker", "slot", s.index, "pid", w.pid, "command", w.cmd.String())

	// Shutdown giving up, or the start timeout, end a handshake that hangs.
	unwatch := context.AfterFunc(p.halt, w.kill)
	var timedOut atomic.Bool
	timer := time.AfterFunc(p.cfg.startTimeout, func() {
		timedOut.Store(true)
		w.kill()
	})
	err := w.handshake()
	timer.Stop()
	unwatch()
	switch {
	case timedOut.Load():
		err = noHandshake(s.local, fmt.Sprintf("no answer within the %v start timeout", p.cfg.startTimeout), nil)
	case p.isAbandoned():
		err = errors.New("the pool is shutting down")
	}
	if err != nil {
		w.kill()
		return nil, s.startError(w, err)
	}
	return w, nil
}

// spawn starts the worker's process with cmd, on pipes of its own.
func (w *worker[In, Out]) spawn(cmd *exec.Cmd, local bool) error {
	cfg := &w.p.cfg
	cmd.Env = workerEnv(cmd.Env, cfg.workers, local)
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = time.Second
	w.stderr = newStderrLog(cfg.stderr, &w.p.stderrMu, 0)
	cmd.Stderr = w.stderr
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return err
	}
	repR, repW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return err
	}
	cmd.Stdin, cmd.Stdout = reqR, repW
	err = w.p.spawner.start(cmd)
	reqR.Close() // the child has its own copies now
	repW.Close()
	if err != nil {
		reqW.Close()
		repR.Close()
		return fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	w.mu.Lock()
	w.cmd, w.proc, w.pid = cmd, cmd.Process, cmd.Process.Pid
	w.mu.Unlock()
	w.stdin, w.replies = reqW, repR
	w.stderr.setOrigin(w.pid, "")
	w.conn = wire.NewConn(repR, reqW, cfg.maxMessage)
	return nil
}

// handshake runs the parent's side of the handshake.
func (w *worker[In, Out]) handshake() error {
	if err := w.conn.ReadPreamble(); err != nil {
		if errors.Is(err, io.EOF) {
			return noHandshake(w.slot.local, "it exited first", nil)
		}
		return noHandshake(w.slot.local, "it wrote something else", err)
	}
	var hello wire.Hello
	if err := w.conn.Receive(&hello); err != nil {
		return fmt.Errorf("reading the worker's hello: %w", err)
	}
	w.pid, w.host = hello.PID, hello.Host
	w.stderr.setOrigin(w.pid, remoteHost(w.host))
	cfg, t := &w.p.cfg, w.p.task
	setup := wire.Setup{Task: t.name, Signature: t.sig, Build: buildID(), Init: cfg.initName, InitArg: cfg.initArg,
		MaxMessage: cfg.maxMessage, Timeout: int64(cfg.timeout), RecycleAfter: cfg.recycleAfter, MaxRSS: cfg.maxRSS}
	if err := w.conn.Send(&setup); err != nil {
		return err
	}
	if err := w.conn.Flush(); err != nil {
		return err
	}
	var ready wire.Ready
	if err := w.conn.Receive(&ready); err != nil {
		return fmt.Errorf("waiting for the worker to be ready: %w", err)
	}
	if ready.Err != "" {
		return errors.New(ready.Err)
	}
	return nil
}

// startError reaps a worker that failed to start and describes it.
func (s *slot[In, Out]) startError(w *worker[In, Out], err error) *WorkerError {
	werr := &WorkerError{Kind: ErrStart, Slot: s.index, PID: w.pid, Host: w.host, Err: err}
	if w.cmd != nil {
		w.stdin.Close()
		werr.Status, werr.Stderr = w.wait()
	}
	return werr
}

// remoteHost returns host if it is not this machine, and "" otherwise, so
// that only workers on other hosts are labelled with one.
func remoteHost(host string) string {
	if local, err := os.Hostname(); err == nil && local == host {
		return ""
	}
	return host
}
