package procpool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
)

// noHandshake describes a worker that never spoke the protocol, with the
// likely cause.
func noHandshake(what string, err error) error {
	const hint = "; does main call procpool.Main()?"
	if err != nil {
		return fmt.Errorf("worker never completed the handshake (%s: %w)%s", what, err, hint)
	}
	return fmt.Errorf("worker never completed the handshake (%s)%s", what, hint)
}

// start starts a worker process for s and completes the handshake.
func (s *slot[In, Out]) start() (*worker[In, Out], *WorkerError) {
	p := s.p
	w := newWorker(p, s)
	cmd := s.launch()
	cmd.Env = workerEnv(cmd.Env, p.cfg.workers)
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, s.startError(w, err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, s.startError(w, err)
	}
	w.stderr = newStderrLog(p.cfg.stderr, &p.stderrMu, 0)
	cmd.Stderr = w.stderr
	if err := p.spawner.start(cmd); err != nil {
		return nil, s.startError(w, fmt.Errorf("starting %s: %w", cmd.Path, err))
	}
	w.cmd, w.proc, w.stdin = cmd, cmd.Process, stdin
	w.pid = cmd.Process.Pid
	w.stderr.setOrigin(w.pid, "")
	w.conn = wire.NewConn(stdout, stdin, p.cfg.maxMessage)
	p.log.Debug("procpool: started worker", "slot", s.index, "pid", w.pid, "command", cmd.String())

	var timedOut atomic.Bool
	timer := time.AfterFunc(p.cfg.startTimeout, func() {
		timedOut.Store(true)
		_ = killGroup(w.proc)
	})
	err = w.handshake()
	timer.Stop()
	if err != nil {
		if timedOut.Load() {
			err = noHandshake(fmt.Sprintf("no answer within the %v start timeout", p.cfg.startTimeout), nil)
		}
		_ = killGroup(w.proc)
		return nil, s.startError(w, err)
	}
	return w, nil
}

// handshake runs the parent's side of the handshake.
func (w *worker[In, Out]) handshake() error {
	if err := w.conn.ReadPreamble(); err != nil {
		if errors.Is(err, io.EOF) {
			return noHandshake("it exited first", nil)
		}
		return noHandshake("it wrote something else", err)
	}
	var hello wire.Hello
	if err := w.conn.Receive(&hello); err != nil {
		return fmt.Errorf("reading the worker's hello: %w", err)
	}
	w.pid, w.host = hello.PID, hello.Host
	w.stderr.setOrigin(w.pid, remoteHost(w.host))
	cfg, t := &w.p.cfg, w.p.task
	setup := wire.Setup{Task: t.name, Signature: t.sig, Build: buildID(), Init: cfg.initName, InitArg: cfg.initArg,
		MaxMessage: cfg.maxMessage, Timeout: int64(cfg.timeout)}
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
		werr.Status = exitStatus(w.cmd.Wait())
		_ = killGroup(w.proc)
		w.stderr.close()
		werr.Stderr = w.stderr.lastLines()
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
