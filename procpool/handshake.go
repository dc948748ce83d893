package procpool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
)

// setupBase is what every worker of a pool is told at its handshake.
type setupBase struct {
	wire.Setup
	reportEach bool
}

func newSetupBase[In, Out any](t *Task[In, Out], cfg *config) setupBase {
	b := setupBase{Setup: wire.Setup{Task: t.name, Signature: t.sig, Build: buildID(), Init: cfg.initName, InitArg: cfg.initArg,
		MaxMessage: cfg.maxMessage, Timeout: int64(cfg.timeout), Heartbeat: int64(cfg.liveness / 4),
		RecycleAfter: cfg.recycleAfter, MaxRSS: cfg.maxRSS}}
	b.reportEach = cfg.timeout > 0 || cfg.retries > 0
	b.ReportEach = b.reportEach
	return b
}

// handshakeLimit is the message size limit until the handshake is done,
// whatever MaxMessage says, so that a small MaxMessage cannot stop a
// worker from starting.
func handshakeLimit(cfg *config) int {
	return max(cfg.maxMessage, len(cfg.initArg)+1<<20)
}

// preambleSlack is how much a worker may print to stdout before Main takes
// it over (an init function that prints, say): it is passed on as stderr.
const preambleSlack = 64 << 10

// handshake is the parent's side of a worker's handshake: what it needs of
// the pool and the process, and, once done, what the worker said of itself.
// It knows nothing of tasks' types.
type handshake struct {
	cfg        *config
	setup      wire.Setup
	pr         *proc
	local      bool // the worker runs on this machine
	ownProgram bool // the worker is the parent's own executable

	conn    *wire.Conn
	writeMu sync.Mutex // guards conn's write side, for whichever pool's worker writes to it
	lanes   *lanes     // the memory large values cross through, for a local worker that mapped it
	pid     int        // the worker's own pid, from its Hello
	host    string     // its host name
	rss     uint64     // its resident memory once ready
}

// run runs the handshake: the worker must speak within StartTimeout, be
// the parent's build, have the task, and then run its initializer, which
// may take as long as it needs while the worker shows it is alive.
func (h *handshake) run() error {
	h.conn = wire.NewConn(h.pr.stdout, &bulkPipe{f: h.pr.stdin}, handshakeLimit(h.cfg))
	timer := time.AfterFunc(h.cfg.startTimeout, h.pr.kill)
	hello, err := h.hello()
	if !timer.Stop() {
		return h.failed(fmt.Sprintf("no answer within the %v start timeout", h.cfg.startTimeout), nil)
	}
	if err != nil {
		return err
	}
	h.pid, h.host = hello.PID, hello.Host
	h.pr.stderr.setOrigin(h.pid, remoteHost(h.host))
	if err := h.checkBuild(hello); err != nil {
		return err
	}
	setup := h.setup
	setup.Flat = hello.Arch == runtime.GOARCH
	if h.local {
		setup.MaxProcs, setup.SameClock = cpuShare(h.cfg.workers), true
		h.offerLanes(&setup)
	}
	if err := h.conn.Send(&setup); err != nil {
		return err
	}
	if err := h.conn.Flush(); err != nil {
		return err
	}
	ready, err := h.ready()
	if err != nil {
		return err
	}
	h.conn.SetLimit(h.cfg.maxMessage)
	h.conn.SetFlat(setup.Flat)
	h.takeLanes(ready.Lanes)
	h.rss = ready.RSS
	return nil
}

// offerLanes makes lanes for large values and offers them to the worker
// in setup. The parent reads the worker's lane from then on: the worker
// writes to it as soon as it has mapped it.
func (h *handshake) offerLanes(setup *wire.Setup) {
	if remoteHost(h.host) != "" { // a Command may reach another machine
		return
	}
	if h.lanes = newLanes(); h.lanes == nil {
		return
	}
	h.pr.onReap = h.dropLanes
	setup.Lanes = &h.lanes.ref
	h.conn.SetLanes(nil, h.lanes.workers, nil)
}

// takeLanes writes to the parent's lane from now on if the worker mapped
// the lanes, and unmaps them if it did not.
func (h *handshake) takeLanes(mapped bool) {
	switch {
	case h.lanes == nil:
	case mapped:
		h.lanes.handedOver()
		h.conn.SetLanes(h.lanes.parents, h.lanes.workers, releaseLane)
	default:
		h.dropLanes()
	}
}

// dropLanes stops the use of the lanes and unmaps them. It runs once the
// process is reaped, when nothing reads its replies any more; a writer
// after it writes to the closed pipe.
func (h *handshake) dropLanes() {
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	if h.lanes != nil {
		h.conn.SetLanes(nil, nil, nil)
		h.lanes.unmap()
		h.lanes = nil
	}
}

// hello reads the preamble and the worker's Hello. What the worker printed
// before the preamble is passed on as its stderr.
func (h *handshake) hello() (*wire.Hello, error) {
	if err := h.conn.ReadPreamble(h.pr.stderr.writer(), preambleSlack); err != nil {
		var pe *wire.PreambleError
		switch {
		case errors.Is(err, io.EOF):
			return nil, h.failed("it exited first", nil)
		case errors.As(err, &pe):
			return nil, h.failed("it wrote something else", err)
		}
		return nil, h.failed("reading its first line", err)
	}
	var hello wire.Hello
	if err := h.conn.Receive(&hello); err != nil {
		return nil, fmt.Errorf("reading the worker's hello: %w", err)
	}
	return &hello, nil
}

// ready waits for the worker's Ready. While its initializer runs, the
// worker sends a Ready marked Waiting every heartbeat; if none comes for
// the Liveness period, it is taken for stuck.
func (h *handshake) ready() (*wire.Ready, error) {
	limit := h.cfg.liveness
	timer := time.AfterFunc(limit, h.pr.kill)
	defer timer.Stop()
	for {
		var ready wire.Ready
		if err := h.conn.Receive(&ready); err != nil {
			if !timer.Stop() {
				return nil, fmt.Errorf("the worker sent nothing for %v while it initialised", limit)
			}
			return nil, fmt.Errorf("waiting for the worker to be ready: %w", err)
		}
		switch {
		case ready.Err != "":
			return nil, errors.New(ready.Err)
		case !ready.Waiting:
			return &ready, nil
		}
		timer.Reset(limit)
	}
}

// checkBuild refuses a worker that runs another build of the program: a
// worker the pool started from its own executable must be that very
// build, whatever became of the file on disk; any other must come from
// the same code, as far as both builds record it.
func (h *handshake) checkBuild(hello *wire.Hello) error {
	switch {
	case h.ownProgram:
		if mine := executableID(); mine != "" && hello.BuildID != "" && hello.BuildID != mine {
			return fmt.Errorf("the worker runs another build than the parent (Go build ID %q, the parent's is %q): "+
				"the program's file was replaced since it started, and a worker must run the parent's own code", hello.BuildID, mine)
		}
	case comparableBuild(hello.Build) && comparableBuild(buildID()) && hello.Build != buildID():
		return fmt.Errorf("the worker was built from other code (%s) than the parent (%s); build both from the same code", hello.Build, buildID())
	}
	return nil
}

// failed describes a worker that never spoke the protocol, with the likely
// cause: for a test binary, a TestMain that does not call Main; for a local
// worker, a main that does not; for a launched one, also a launcher that
// did not get through.
func (h *handshake) failed(what string, err error) error {
	var hint string
	switch {
	case !h.local:
		hint = "did the launcher reach the worker, and does its main call procpool.Main()?"
	case h.ownProgram && isTestBinary():
		hint = "the worker is this test binary, and a test binary serves only from a TestMain that calls procpool.Main() first; add:\n\n" +
			"\tfunc TestMain(m *testing.M) {\n\t\tprocpool.Main()\n\t\tos.Exit(m.Run())\n\t}"
	default:
		hint = "does main call procpool.Main()?"
	}
	if err != nil {
		return fmt.Errorf("worker never completed the handshake (%s: %w); %s", what, err, hint)
	}
	return fmt.Errorf("worker never completed the handshake (%s); %s", what, hint)
}

// remoteHost returns host if it is not this machine, and "" otherwise, so
// that only workers on other hosts are labelled with one.
func remoteHost(host string) string {
	if local, err := os.Hostname(); err == nil && local == host {
		return ""
	}
	return host
}

// startProcess starts a worker process with launch, for the slot or seat
// index, and runs its handshake with setup; stop ending meanwhile ends a
// handshake that hangs.
func startProcess(cfg *config, sp *spawner, fw *forwarder, setup wire.Setup, log *slog.Logger, stop context.Context,
	index int, local bool, launch func() *exec.Cmd) (*proc, *handshake, *WorkerError) {
	cmd := launch()
	cmd.Env = workerEnv(cmd.Env, local)
	stderr := newStderrLog(fw)
	pr, err := startProc(sp, cmd, local, stderr)
	if err != nil {
		return nil, nil, &WorkerError{Kind: ErrStart, Slot: index, Err: err, Stderr: stderr.lastLines()}
	}
	log.Debug("procpool: started worker", "slot", index, "pid", pr.pid, "command", cmd.String())
	h := &handshake{cfg: cfg, setup: setup, pr: pr, local: local, ownProgram: local && cfg.command == nil}
	unwatch := context.AfterFunc(stop, pr.kill)
	err = h.run()
	unwatch()
	if err == nil && stop.Err() != nil {
		err = errors.New("the pool is shutting down")
	}
	if err != nil {
		pr.kill()
		exit := pr.wait()
		pid := h.pid
		if pid == 0 {
			pid = pr.pid // it ran, but never said who it is
		}
		return nil, nil, &WorkerError{Kind: ErrStart, Slot: index, PID: pid, Host: remoteHost(h.host), Err: err,
			ExitCode: exit.code, Signal: exit.signal, Status: exit.text, Stderr: stderr.lastLines()}
	}
	return pr, h, nil
}

// bindRefusal is a worker of a set refusing the task a pool binds it to.
type bindRefusal struct{ reason string }

func (e *bindRefusal) Error() string { return e.reason }

// bind binds a set's process to a pool's task: it sends the Bind and
// waits, at most timeout, for the worker's Ready. A worker that does not
// have the task refuses with a *bindRefusal and stays usable; any other
// error means the process is gone or going.
func bind(l *lease, setup *setupBase, timeout time.Duration) error {
	c := l.h.conn
	b := wire.Bind{Task: setup.Task, Signature: setup.Signature, Timeout: setup.Timeout, ReportEach: setup.reportEach}
	l.h.writeMu.Lock()
	err := c.Send(&b)
	if err == nil {
		err = c.Flush()
	}
	l.h.writeMu.Unlock()
	if err != nil {
		return err
	}
	timer := time.AfterFunc(timeout, l.pr.kill)
	var ready wire.Ready
	err = c.Receive(&ready)
	if !timer.Stop() {
		return fmt.Errorf("no answer to the bind within the %v start timeout", timeout)
	}
	switch {
	case err != nil:
		return err
	case ready.Err != "":
		return &bindRefusal{ready.Err}
	}
	l.rss.Store(ready.RSS)
	return nil
}
