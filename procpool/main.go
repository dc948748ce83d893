package procpool

import (
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"

	"github.com/poolkit/poolkit/internal/wire"
)

// envWorker marks a process as a worker. The pool sets it on the processes
// it starts; Main serves when it is set and removes it, so that programs a
// task starts are not mistaken for workers.
const envWorker = "POOLKIT_WORKER"

// inWorker is set once Main has found the process to be a worker.
var inWorker atomic.Bool

// Main must be the first statement of main, and of TestMain in tests that
// use procpool:
//
//	func main() {
//		procpool.Main()
//		...
//	}
//
//	func TestMain(m *testing.M) {
//		procpool.Main()
//		os.Exit(m.Run())
//	}
//
// In a worker process (one the pool started, marked by POOLKIT_WORKER in
// its environment) Main serves tasks over stdin and stdout and exits when
// the pool closes the pipe; it never returns. In any other process it
// returns at once and does nothing.
//
// A worker is the program started again, so it has what package
// initialisation gives it (the registered tasks, package-level vars) and
// nothing main does after Main: a global set from flags in main is unset
// in a worker. Use [Init] to set up what workers need.
func Main() {
	if os.Getenv(envWorker) == "" {
		return
	}
	os.Exit(serveWorker())
}

// isWorkerProcess reports whether this process is a worker, even one whose
// main forgot to call Main.
func isWorkerProcess() bool {
	return inWorker.Load() || os.Getenv(envWorker) != ""
}

// serveWorker runs the worker side of the protocol and returns the exit
// code.
func serveWorker() int {
	inWorker.Store(true)
	os.Unsetenv(envWorker)
	ex := newExiter()
	in, out, err := takeStdio()
	if err != nil {
		fmt.Fprintf(os.Stderr, "procpool worker: %v\n", err)
		return 2
	}
	if err := wire.WritePreamble(out); err != nil {
		return 2
	}
	c := wire.NewConn(in, out, defaults().maxMessage)
	s, setup, err := handshake(c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "procpool worker: %v\n", err)
		return 3
	}
	ex.local = setup.SameClock
	s.serve(c, setup, ex.exit)
	return 0
}

// exiter ends a worker so that nothing it started outlives it once its
// parent is gone. The parent kills a worker's process group itself when it
// can; when it cannot, because it died, the worker does: on Linux the
// kernel signals it when the parent dies (SIGTERM, set at start), and on
// every system it reads the end of its stdin.
type exiter struct {
	ppid  int  // the parent when the worker started
	local bool // the parent is on this machine and reaps the group itself
}

func newExiter() *exiter {
	e := &exiter{ppid: os.Getppid()}
	term := make(chan os.Signal, 1)
	signal.Notify(term, parentDeathSignal)
	go func() {
		<-term
		e.exit(1)
	}()
	return e
}

// exit ends the worker with code, first killing its process group if the
// parent cannot: it is gone, or it is a launcher on another machine.
func (e *exiter) exit(code int) {
	if !e.local || os.Getppid() != e.ppid {
		killOwnGroup()
	}
	os.Exit(code)
}
