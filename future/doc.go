// Package future holds [Future], a result that settles exactly once, and the
// functions that wait on many of them, after Python's concurrent.futures.
//
// An executor such as [github.com/poolkit/poolkit/pool] hands out futures from
// Submit; the caller reads them with [Future.Result], waits on
// [Future.Done], or stops the work with [Future.Cancel]. A producer makes
// futures through a [Promise]: it calls [Promise.Start] when the work begins
// (and skips work cancelled while it waited), then [Promise.Settle].
// [Future.Running] and [Future.Started] tell the caller how far it got.
//
// # Waiting on many futures
//
// [AsCompleted] yields futures in the order they settle, like Python's
// as_completed:
//
//	for f := range future.AsCompleted(ctx, fs...) {
//		v, err := f.Result(ctx)
//		...
//	}
//
// A [Set] does the same for a collection that grows while the loop runs:
// the loop body may [Set.Add] the futures that each result brings, as a
// crawler does. [Wait] returns when the first future settles, when the first
// one fails, or when all have settled ([FirstCompleted], [FirstError],
// [AllCompleted]); cancellation is not a failure. [All] collects every value
// in order, or returns the first error.
//
// # Callbacks
//
// [Future.OnSettle] runs a function once the future settles and returns a
// stop function that takes it back. A callback that panics is logged through
// [log/slog] and disturbs neither the other callbacks nor the goroutine that
// settles the future.
//
// # Memory
//
// A future holds only the waiters still waiting: AsCompleted, Wait, All and
// loops over a Set remove what they registered on the futures when they
// return, and stop removes a callback. Nothing here keeps a future alive
// once it has been yielded; the caller decides how long it lives.
//
// # Cancellation and deadlines
//
// A cancelled future settles with an error that satisfies
// errors.Is(err, context.Canceled). Waiting with a context never changes the
// future: when the context ends, [Future.Result], [Wait] and [All] return,
// and the future goes on. A loop whose context has ended still yields the
// futures that had settled, then stops; none is dropped.
package future
