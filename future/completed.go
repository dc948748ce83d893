package future

import (
	"context"
	"iter"
)

// AsCompleted returns an iterator over fs that yields each future as it
// settles, in completion order. The iteration stops once every future has
// been yielded, when ctx ends, or when the loop breaks; stopping early leaves
// no goroutine behind, and the futures themselves are not affected. After
// the loop, ctx.Err() tells whether it ended because ctx did.
//
// A future listed twice is yielded twice.
func AsCompleted[T any](ctx context.Context, fs ...*Future[T]) iter.Seq[*Future[T]] {
	return func(yield func(*Future[T]) bool) {
		settled := notifyOnSettle(fs)
		for range fs {
			select {
			case f := <-settled:
				if !yield(f) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}

// notifyOnSettle returns a channel that receives each future of fs once it
// settles. The channel has room for all of them, so the callbacks never block
// even if nobody receives any more.
func notifyOnSettle[T any](fs []*Future[T]) <-chan *Future[T] {
	settled := make(chan *Future[T], len(fs))
	for _, f := range fs {
		f.OnSettle(func(T, error) { settled <- f })
	}
	return settled
}
