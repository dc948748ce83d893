// Package pool runs tasks on a bounded set of goroutines and defines the
// [Executor] interface that both of poolkit's engines satisfy.
//
// A task is a [Func]: it takes a context and one input and returns one
// output. [New] starts a [Pool] of worker goroutines for it (one per usable
// CPU by default), and the pool runs inputs four ways:
//
//	p := pool.New(resize, pool.Workers(8))
//	defer p.Close()
//
//	f := p.Submit(ctx, img)              // one input, a future for its output
//	thumb, err := f.Result(ctx)
//
//	thumbs, err := p.Map(ctx, imgs)      // a slice, outputs in input order
//
//	for thumb, err := range p.MapSeq(ctx, feed) { // a stream, in order, bounded memory
//		...
//	}
//
//	for r := range p.MapUnordered(ctx, feed) { // a stream, as inputs finish
//		use(r.Index, r.Out, r.Err)
//	}
//
// MapSeq and MapUnordered read their input on a goroutine of their own and
// yield each output as soon as it is ready: an input that pauses, or that
// waits for an output before giving the next (a crawler's feedback loop),
// works. [BatchSize] and [ReadAhead] fix what they otherwise choose from
// measured task time.
//
// # The contract
//
// What an [Executor] promises is written down as a test suite,
// [github.com/poolkit/poolkit/pool/pooltest], which both engines pass.
//
// # Choosing an engine
//
// Goroutines run in parallel on every core, so this engine suits CPU-bound
// and I/O-bound work alike, with the least overhead. Use
// [github.com/poolkit/poolkit/procpool] instead when a task may crash the
// process (os.Exit, a cgo segfault, a fatal runtime error), must be killed
// rather than asked to stop, needs its memory limited, or should run on
// another machine. Both engines satisfy [Executor], so switching is a change
// of constructor.
//
// # Failures
//
// A task's error settles its future. A panic is recovered and becomes a
// [*PanicError] with the value and stack; a task that calls runtime.Goexit
// settles with [ErrGoexit]; in both cases the pool goes on. [Pool.Map]
// stops at the first failure and returns a [*TaskError] naming the input;
// [Pool.MapSeq] yields a *TaskError for each failed input and goes on.
//
// # Cancellation
//
// Every task receives its own context. It is cancelled when the task's
// future is cancelled, when the context passed to Submit, Map or MapSeq
// ends, when the [Timeout] option passes, when [Pool.Shutdown] gives up
// waiting, and once the task has returned. A goroutine cannot be stopped
// from outside: a task that ignores its context runs on, and its worker with
// it, although its future has already settled.
//
// # Sharing a limit between pools
//
// Each pool's Workers caps only its own tasks: three pools of 8 run 24
// at once. Pools of different kinds of work join one [Limit] with
// [Within], and then run no more tasks together than it holds, each
// keeping its own queue, Workers, Timeout, Stats and shutdown:
//
//	cpu := pool.NewLimit(8)
//	resize := pool.New(resizeImage, pool.Workers(8), pool.Within(cpu))
//	render := pool.New(renderPage, pool.Workers(8), pool.Within(cpu))
//
// An input takes one slot while it runs, or what [Cost] says it costs
// (memory, say); one that could never fit fails with [ErrOverLimit].
// Inputs that wait are served first come, first served across the pools,
// so a flood on one pool does not starve another. An input waiting for a
// slot is still queued: its future, its context, [Pool.CancelQueued] and
// a Shutdown that gives up end the wait.
//
// # Shutdown
//
// [Pool.Shutdown] stops intake, lets queued and running tasks finish, and
// cancels what is left if its context ends first. [Pool.CancelQueued]
// settles what has not started and lets running tasks finish. Both return
// once every goroutine the pool started has exited. Submitting afterwards
// settles with [ErrClosed].
package pool
