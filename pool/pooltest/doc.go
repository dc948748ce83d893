// Package pooltest checks that an executor keeps the contract of
// [pool.Executor], in the way [testing/fstest] checks a file system: one
// call runs every behaviour the contract promises, each as a subtest
// named after it.
//
// Both of poolkit's engines run it in their tests, so what it checks is
// exactly what switching from [pool.New] to procpool.New keeps; a third
// engine can run it too.
//
// # Running it
//
// The scenarios drive one task, [Task], whose input says what to do:
// return a value, fail, panic, block until released or cancelled. An
// engine's test hands [Run] constructors for it:
//
//	func TestContract(t *testing.T) {
//		pooltest.Run(t, pooltest.Engine{
//			New: func(t testing.TB, cfg pooltest.Config) pooltest.Executor[pooltest.Input, pooltest.Output] {
//				return pool.New(pooltest.Task, options(cfg)...)
//			},
//			NewPointer: ...,
//			Stats: func(ex pooltest.Executor[pooltest.Input, pooltest.Output]) pool.Stats {
//				return ex.(*pool.Pool[pooltest.Input, pooltest.Output]).Stats()
//			},
//		})
//	}
//
// An engine that runs tasks in other processes registers [Task] and
// [PointerTask] as it registers any task, and makes [ErrSentinel] and
// [*Error] cross with their identity, as procpool does with
// procpool.RegisterError(pooltest.ErrSentinel) and
// procpool.RegisterError(&pooltest.Error{}).
//
// # What it checks
//
// Outputs and their order ([Executor.Submit], Map, MapSeq); errors that
// keep their identity through %w and errors.Join; panics and
// runtime.Goexit; cancellation of queued and running inputs, by the
// future and by the context, with the cause; deadlines, which a task's
// context carries and which settle as context.DeadlineExceeded; contexts
// that ended before the call; Map's first failure; MapSeq's break and
// context; Shutdown and Close during each operation; backpressure and
// ErrClosed; the meaning of each [pool.Stats] counter; pointer and nil
// inputs and outputs.
//
// [Benchmark] measures, on the same engine, what the contract promises in
// time rather than in outcome, such as how soon a live feed's output
// comes while its producer pauses:
//
//	func BenchmarkContract(b *testing.B) { pooltest.Benchmark(b, engine) }
//
// Scenarios that need a task to be running use a [Gate]: a loopback
// listener the blocking ops report to, so a scenario waits for events, not
// for time, wherever the task runs.
//
// # Deliberate differences
//
// An engine whose tasks run in another address space (Engine.Separate)
// differs in five ways, listed in differences.go and checked there: context
// values, globals set after start, errors and panic values it was not told
// about, tasks that ignore their context, and values that are copied.
// Nothing else may differ.
package pooltest
