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
	serveWorker() // never returns
}

// isWorkerProcess reports whether this process is a worker, even one whose
// main forgot to call Main.
func isWorkerProcess() bool {
	return inWorker.Load() || os.Getenv(envWorker) != ""
}

// serveWorker runs the worker side of the protocol until the parent asks
// it to exit or is gone, and exits the process.
func serveWorker() {
	inWorker.Store(true)
	os.Unsetenv(envWorker)
	ex := newExiter()
	in, out, err := takeStdio()
	if err != nil {
		fmt.Fprintf(os.Stderr, "procpool worker: %v\n", err)
		os.Exit(2)
	}
	if err := wire.WritePreamble(out); err != nil {
		os.Exit(2)
	}
	c := wire.NewConn(in, &bulkPipe{f: out}, defaults().maxMessage)
	s, setup, err := serveHandshake(c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "procpool worker: %v\n", err)
		os.Exit(3)
	}
	if s == nil {
		serveBinds(c, setup, ex)
	}
	s.serve(c, setup, ex, &workerLife{})
	ex.orphaned(4) // a worker of one task is never unbound
}

// exiter ends a worker so that nothing it started outlives it once its
// parent is gone. A parent that asks its worker to exit sends Exit before it
// closes the pipe, and kills the worker's process group itself once it has
// reaped it. A worker that reads the end of its stdin without Exit, or gets
// SIGTERM (which the kernel sends on Linux when the parent dies, Pdeathsig),
// has lost its parent, and kills its process group, itself included.
type exiter struct{}

func newExiter() *exiter {
	e := &exiter{}
	term := make(chan os.Signal, 1)
	signal.Notify(term, parentDeathSignal)
	go func() {
		<-term
		e.orphaned(1)
	}()
	return e
}

// asked ends a worker its parent asked to exit.
func (e *exiter) asked() {
	os.Exit(0)
}

// orphaned ends a worker whose parent is gone, with what it started.
func (e *exiter) orphaned(code int) {
	killOwnGroup()
	os.Exit(code)
}
