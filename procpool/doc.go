// Package procpool runs tasks in worker processes: the same [pool.Executor]
// as the goroutine engine in [github.com/poolkit/poolkit/pool], with the
// isolation only a process gives.
//
// # When to use processes
//
// Goroutines already run on every core, so Go needs processes not for
// speed but for what a goroutine cannot give. In a worker process, a crash
// (os.Exit, a nil dereference in a goroutine, a segfault in cgo, a fatal
// runtime error, an OOM kill) fails only the input that caused it; a task
// that ignores its context can be killed; a leak is bounded by replacing
// the worker ([RecycleAfter], [MaxRSS]); and the worker can run on another
// machine through ssh or srun ([Command]). Each input pays a trip through a
// pipe (tens of microseconds) unless it is batched, as [Pool.Map] and
// [Pool.MapSeq] do by themselves.
//
// # Registration and Main
//
// A worker is the same program started again, so it cannot receive a
// closure: tasks are registered by name in package-level variables, which
// every process of the program creates before main runs, and main starts
// with [Main], which turns the process into a worker when the pool started
// it:
//
//	var resizeTask = procpool.Register("resize", resize)
//
//	func main() {
//		procpool.Main() // in a worker: serve and exit; otherwise: return
//
//		p := procpool.New(resizeTask) // was: pool.New(resize)
//		defer p.Close()
//		thumbs, err := p.Map(ctx, images)
//	}
//
// Tests that use procpool call Main first in TestMain. Inputs and outputs
// cross the pipe with encoding/gob. A program that forgets Main gets a clear
// error ("worker never completed the handshake; does main call
// procpool.Main()?"), and a worker process never starts pools of its own.
//
// # Failures
//
// Every input settles exactly once. A task's error crosses as a
// [*RemoteError] with the worker's message (errors.Is still matches
// context.Canceled and context.DeadlineExceeded); a panic becomes a
// [*pool.PanicError] with the worker's stack, and the worker goes on. A
// worker that dies fails the input it was running with an error matching
// [ErrWorkerDied], a [*WorkerError] with its pid, exit status or signal and
// last stderr lines; inputs queued behind it go to another worker, and a
// new worker takes its place. The pool is never broken. [Retries] runs such
// inputs again for idempotent tasks, and [PoisonAfter] stops an input that
// keeps killing workers ([ErrPoisonTask]). Map and MapSeq send tiny inputs
// in batches; when a worker dies during a batch, the inputs of the batch
// without a result fail (or, with Retries, run again one by one).
//
// An input that gob cannot encode, or that exceeds [MaxMessage], fails at
// once with [ErrEncode] and never reaches a worker.
//
// # Cancellation and timeouts
//
// Cancelling an input that waits in the queue drops it. Cancelling a
// running input cancels its context in the worker; if it has not returned
// after the kill grace ([KillGrace]), the worker's process group is killed
// and replaced, and the input fails with an error matching [ErrKilled] and
// the context's error. [Timeout] uses the same path for every input.
//
// # Processes
//
// Workers run in their own process group, so a Ctrl-C at the terminal
// reaches the parent only, and killing a worker kills what it started. On
// Linux a worker is killed by the kernel when the parent dies, even by
// SIGKILL; on other systems it exits when it reads the end of its stdin.
// The worker moves the protocol off stdout before any task runs: anything
// a task prints, even from C, goes to stderr, which the pool forwards line
// by line with a "[procpool pid N] " prefix ([Stderr]). Each local worker
// gets GOMAXPROCS set to its share of the CPUs unless the environment sets
// it; a worker started through [Launch] keeps what its host gives it.
// [Pool.Shutdown] reaps every process it started: no orphans, no zombies.
//
// # Trust
//
// A worker trusts its parent: it runs the registered task the parent names,
// on whatever inputs the parent sends. The protocol is not a network
// service: it runs over the pipes of a child process, or whatever stdio a
// launcher forwards, and poolkit opens no port. Reaching another host is
// the launcher's business, with its own authentication (ssh keys, Slurm's
// munge).
//
// The parent trusts a worker's results as it trusts its own code, but
// bounds what a broken or hostile worker can do to it: a frame larger than
// [MaxMessage] is refused before it is read, and a frame must hold exactly
// one gob message, so decoding cannot allocate past the limit; garbage, a
// reply that matches no request, or one that cannot be decoded ends that
// worker only, with the bytes quoted; the handshake must finish within
// [StartTimeout]; an input that does not return within its [Timeout] or
// the [KillGrace] after a cancel gets its worker's process group killed;
// a line of stderr is cut at 64 KiB and only the last lines are kept. The
// worker enforces [RecycleAfter] and [MaxRSS] itself, so they bound leaks
// in well-meaning code, not a worker that ignores them.
package procpool

import "github.com/poolkit/poolkit/pool"

var _ pool.Executor[int, int] = (*Pool[int, int])(nil)
