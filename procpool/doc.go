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
// machine through ssh or srun ([Launch], [SSH]). Each input pays a trip
// through a pipe (tens of microseconds) unless it is batched, as
// [Pool.Map], [Pool.MapSeq] and [Pool.MapUnordered] do by themselves.
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
// Register called from a function, or after main started, panics: the
// workers would not have the task. Tests that use procpool call Main first
// in TestMain; a test binary without one is told so, with the lines to
// add, and its workers never run its tests. A program that forgets Main
// gets a clear error ("worker never completed the handshake; does main
// call procpool.Main()?"), and a worker process never starts pools of its
// own.
//
// A worker has what package initialisation gives it and nothing main does
// after Main: a global set from flags in main is unset in a worker, and
// the values of the caller's context do not cross. Use [Init], with an
// initializer registered by [RegisterInit], to set up what workers need.
//
// # Values and errors across the boundary
//
// Inputs and outputs cross with encoding/gob: the worker gets a copy of
// its input and the caller a copy of its output. Exported fields cross,
// unexported ones arrive zero, and nil pointers cross as nil. Register
// refuses a type gob cannot carry at all, naming the field; a value that
// points back to itself fails its input with [ErrEncode] instead of
// sending gob after it without end. An input or output that is a []byte
// or a string (or a type defined as one) of 8 KiB or more skips gob's
// buffers: it is written to the pipe as it is and read straight into the
// receiver's copy. From 64 KiB, between the parent and a worker on its
// machine (a 64-bit Linux one, started by the pool, not through a
// launcher), it does not cross the pipe at all: each such worker shares
// two lanes of memory with the parent, one for each direction, and a
// value is copied into one by its sender and out of it by its receiver,
// one copy on each side however large (up to 64 MiB; a larger one, or one
// that finds its lane full, takes the pipe, and so does everything if
// /dev/shm is full). A lane's memory is used only as far as values fill
// it, and counts in the worker's resident memory as [MaxRSS] sees it; once
// 64 values in a row have needed no more than 4 MiB of a lane, it gives
// the rest back, and a worker that stops sending large values keeps what
// they last used until it exits. The kernel frees the lanes once the
// worker is gone, even if the parent is killed. A large value still
// counts toward [MaxMessage], and an empty one still arrives nil.
// Received, a value of 64 KiB or more (a []byte, a string, or a batch of
// numbers) takes the memory of one the program has dropped, of about its
// size, before the garbage collector frees it: so a worker that gets a
// large input each time (or a caller that drops each large output once
// read) neither makes the collector run every few values nor has the
// runtime fault in new pages for each. A value the program still reaches,
// through any part of it, is never written over. The price: up to 16 MiB
// of such values at a time carry a finalizer of procpool's, and one of
// them, dropped, is freed a collection later than it would be. Do not set
// a finalizer on such a value: runtime.SetFinalizer on its first byte ends
// the program, and on another lets its memory be used again while that
// finalizer still holds it. A cleanup added to it with runtime.AddCleanup
// runs only once its memory is freed, which may be after later values
// have used it.
// A batch of 32 or more numbers (a bool, int, uint, float or complex type
// of any size, or one defined as one, without gob methods of its own)
// crosses as the slice's memory when the worker runs on the parent's
// architecture, rather than through gob a value at a time.
//
// A task's error keeps its identity for the errors the program registers
// with [RegisterError] beside its tasks: errors.Is finds a registered
// sentinel and errors.As a registered type, fields and all, through %w and
// errors.Join. Any other error arrives as a [*RemoteError] with the
// worker's message, which unwraps to the registered errors it wrapped;
// context.Canceled and context.DeadlineExceeded always cross. A panic
// becomes a [*pool.PanicError] with the worker's stack, whose value is the
// panic's value when gob can encode it, and the worker goes on.
//
// # Large data shared by every worker
//
// Every byte of an input is copied to the worker that runs it. For data
// that many inputs read (a table, a model, the file being scanned), share
// it instead: [Share] or [ShareFile] makes a [Shared] region once, inputs
// carry a *Shared with an offset and length, and each worker maps the
// same memory at its first [Shared.Bytes]. The region exists once, however
// many workers read it; on Linux it is freed when the parent and its
// workers are gone, even if the parent is killed. It serves the workers on
// the parent's machine only.
//
// # Many tasks on one set of workers
//
// Each Pool runs one task on processes of its own. Pools of several tasks
// can instead share one [Set] of processes, made with [NewSet] and given
// to New with [On]; the set holds the settings of the processes, each pool
// its own queue, Stats and failure settings. A worker serves one pool at a
// time, and stays with it until another pool needs a worker: a pool that
// needs one when none is free takes one from the pool that holds the most,
// so no kind of work starves another.
//
// # Failures
//
// Every input settles exactly once. A worker that dies fails the input it
// was running with an error matching [ErrWorkerDied], a [*WorkerError]
// with its pid, exit code or signal and last stderr lines; inputs queued
// behind it go to another worker, and a new worker takes its place. The
// pool is never broken. [Retries] runs such inputs again for idempotent
// tasks, and [PoisonAfter] stops an input that keeps killing workers
// ([ErrPoisonTask]). Map and MapSeq send tiny inputs in batches; when a
// worker dies during a batch, the inputs of the batch without a result
// fail, or, with Retries, only the input that was running is charged and
// the others run again. A worker that stops answering within [Liveness] is
// taken for dead.
//
// # Cancellation and timeouts
//
// When the caller's context ends or a future is cancelled, the input's
// future settles at once with the context's error. A queued input never
// runs; a running one has its context cancelled in the worker, with the
// caller's cause, and if it has not returned after [KillGrace], the
// worker's process group is killed and replaced. The task's context in the
// worker carries the caller's deadline. [Timeout] limits each input; a task
// that ignores it is killed the same way, and its input fails with an error
// matching [ErrKilled] and context.DeadlineExceeded.
//
// # Processes
//
// Workers run in their own process group, so a Ctrl-C at the terminal
// reaches the parent only, and killing a worker kills what it started.
// When the parent dies, on any signal including SIGKILL, each worker kills
// its process group: on Linux the kernel tells it at once, elsewhere it
// learns when its stdin ends. Workers started by the pool run the parent's
// very build: on Linux they start from /proc/self/exe, so a binary replaced
// or deleted on disk changes nothing, and the handshake compares Go build
// IDs. The worker moves the protocol off stdout before any task runs:
// anything a task prints, even from C, goes to stderr, which the pool
// forwards line by line with a "[procpool pid N] " prefix ([Stderr]). Each
// local worker gets GOMAXPROCS set to its share of the CPUs the parent may
// use, unless the environment sets it; a worker started through [Launch]
// keeps what its host gives it. Programs a task starts see the environment
// the user gave, nothing the pool added. [Pool.Shutdown] reaps every
// process it started: no orphans, no zombies.
//
// # Trust
//
// A worker trusts its parent: it runs the registered task the parent names,
// on whatever inputs the parent sends. The protocol is not a network
// service: it runs over the pipes of a child process, or whatever stdio a
// launcher forwards, and poolkit opens no port. Reaching another host is
// the launcher's business, with its own authentication (ssh keys, Slurm's
// munge). Launcher arguments are data: [SSH] refuses a host that could be
// read as an option and quotes the program and environment values for the
// remote shell.
//
// The parent trusts a worker's results as it trusts its own code, but
// bounds what a broken or hostile worker can do to it: a frame larger than
// [MaxMessage] is refused before it is read, and a frame must hold exactly
// one gob message, so decoding cannot allocate past the limit; garbage, a
// reply that matches no request, one that cannot be decoded, or a decoder
// that panics ends that worker only, with the bytes quoted; the handshake
// must begin within [StartTimeout]; a worker silent for [Liveness] is
// killed; an input that does not return within its [Timeout] or the
// [KillGrace] after a cancel gets its worker's process group killed; a
// line of stderr is cut at 64 KiB, only the last lines are kept, and a
// Stderr writer that blocks holds up nothing. The worker enforces
// [RecycleAfter] and [MaxRSS] itself, so they bound leaks in well-meaning
// code, not a worker that ignores them. A [Shared] region is mapped
// read-only, and a worker checks that the file it opens is the very one
// the parent shared; a file given to [ShareFile] that shrinks while it is
// shared ends any process that reads past its new end, as any mapping
// does.
//
// What is not promised: a descendant that leaves the worker's process
// group (setsid, or a double fork into a new group) is not killed with it;
// on systems other than Linux, a worker stopped (SIGSTOP) when its parent
// dies lives until it is continued; a worker started through a launcher on
// another host is killed by ending the launcher, and what it started there
// depends on that host; and on Windows, what a task starts is not killed
// with it, and C code that writes to the standard output handle still
// corrupts the protocol.
package procpool

import "github.com/poolkit/poolkit/pool"

var _ pool.Executor[int, int] = (*Pool[int, int])(nil)
