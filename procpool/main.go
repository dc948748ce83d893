package procpool

import (
	"fmt"
	"os"
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
// In a worker process (one the pool started, marked by POOLKIT_WORKER in
// its environment) Main serves tasks over stdin and stdout and exits when
// the pool closes the pipe; it never returns. In any other process it
// returns at once and does nothing.
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
	in, out, err := takeStdio()
	if err != nil {
		fmt.Fprintf(os.Stderr, "procpool worker: %v\n", err)
		return 2
	}
	if err := wire.WritePreamble(out); err != nil {
		return 2
	}
	c := wire.NewConn(in, out, defaults().maxMessage)
	s, lim, err := handshake(c)
	if err != nil {
		fmt.Fprintf(os.Stderr, "procpool worker: %v\n", err)
		return 3
	}
	s.serve(c, lim)
	return 0
}
