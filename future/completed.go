package future

import (
	"context"
	"iter"
)

// AsCompleted returns an iterator over fs that yields each future as it
// settles, in completion order; futures already settled come first. A
// future listed twice is yielded twice. The iteration stops once every
// future has been yielded, when ctx ends, or when the loop breaks; stopping
// leaves no goroutine behind, removes every registration the loop made on
// the futures, and does not affect the futures. After the loop, ctx.Err()
// tells whether it ended because ctx did.
//
// When ctx ends (even before the loop begins), the loop yields the futures
// that had settled by the time it saw ctx end, then stops, like Python's
// as_completed with a timeout: no finished future is dropped, and none that
// settles later is waited for.
//
// AsCompleted reads fs when it is called and does not keep the slice. The
// iterator yields each future once, like a Python generator: a second loop
// over it goes on with the futures the first one did not yield. Neither the
// iterator nor the loop keeps a future alive once it has been yielded; the
// caller alone decides how long a yielded future lives. For a set that
// grows while the loop runs, use a [Set].
func AsCompleted[T any](ctx context.Context, fs ...*Future[T]) iter.Seq[*Future[T]] {
	return NewSet(fs...).Completed(ctx)
}
