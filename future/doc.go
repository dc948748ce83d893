// Package future holds [Future], a result that settles exactly once, and the
// functions that wait on many of them.
//
// An executor such as [github.com/poolkit/poolkit/pool] hands out futures from
// Submit; the caller reads them with [Future.Result], waits on
// [Future.Done], or stops the work with [Future.Cancel]. Producers create
// futures through a [Promise].
//
// # Waiting on many futures
//
// [AsCompleted] yields futures in the order they settle, like Python's
// concurrent.futures.as_completed:
//
//	for f := range future.AsCompleted(ctx, fs...) {
//		v, err := f.Result(ctx)
//		...
//	}
//
// [Wait] returns when the first future settles, when the first one fails, or
// when all have settled ([FirstCompleted], [FirstError], [AllCompleted]).
// [All] collects every value in order, or returns the first error.
//
// # Cancellation
//
// A cancelled future settles with an error that satisfies
// errors.Is(err, context.Canceled). Waiting with a context never changes the
// future: when the context ends, [Future.Result], [Wait] and [All] return,
// and the future goes on.
package future
