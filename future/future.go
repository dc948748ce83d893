package future

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Future is the read side of a result that is computed elsewhere. It settles
// exactly once, with a value, an error, or cancellation, and never changes
// afterwards.
//
// A Future is safe for concurrent use. It is created through a [Promise]
// (or [Value] and [Failed] for results already known); the zero Future is
// not useful on its own.
type Future[T any] struct {
	state atomic.Uint32 // started and settled bits

	mu       sync.Mutex
	done     chan struct{} // made on first use of Done, closed on settle
	waiters  waiters[T]    // told once, after settling; see waiters.go
	onCancel func(error)   // set by the producer through Promise.OnCancel

	value T
	err   error
}

// The bits of Future.state. Once set, a bit stays set.
const (
	started uint32 = 1 << iota // Promise.Start was called before settling
	settled                    // the result is stored and final
)

// closedChan is returned by Done for futures that settled before anyone asked.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// Done returns a channel that is closed once f has settled. It never blocks,
// and repeated calls return the same channel.
func (f *Future[T]) Done() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done == nil {
		if f.Settled() {
			return closedChan
		}
		f.done = make(chan struct{})
	}
	return f.done
}

// Settled reports whether f has settled. It never blocks.
func (f *Future[T]) Settled() bool {
	return f.state.Load()&settled != 0
}

// Running reports whether f's work has started and f has not settled yet:
// its producer called [Promise.Start], and neither the producer nor
// [Future.Cancel] has settled it since. Running never blocks. A producer
// that never calls Start leaves it false.
func (f *Future[T]) Running() bool {
	return f.state.Load() == started
}

// Started reports whether f's producer started the work before f settled
// (see [Promise.Start]), whether or not f has settled since. After
// [Future.Cancel], it tells work that never ran (false) from work that was
// stopped while running (true). It never blocks.
func (f *Future[T]) Started() bool {
	return f.state.Load()&started != 0
}

// Result blocks until f settles and returns its value and error. If ctx ends
// first, Result returns the zero value and ctx.Err(); f itself is not
// affected (use [Future.Cancel] for that). A future that has already settled
// returns its result even when ctx has ended.
func (f *Future[T]) Result(ctx context.Context) (T, error) {
	if !f.Settled() {
		// Yield once before parking: a producer that was just woken to
		// settle f often waits for this very thread, and lets it finish
		// without the cost of a channel wake-up.
		runtime.Gosched()
	}
	if !f.Settled() {
		if stop := ctx.Done(); stop == nil {
			<-f.Done()
		} else {
			select {
			case <-f.Done():
			case <-stop:
				if !f.Settled() {
					var zero T
					return zero, ctx.Err()
				}
			}
		}
	}
	return f.value, f.err
}

// Err returns the error f settled with, or nil if f is still pending or
// settled with a value. It never blocks.
func (f *Future[T]) Err() error {
	if !f.Settled() {
		return nil
	}
	return f.err
}

// Cancel settles a pending f with [context.Canceled] and tells its producer,
// which stops the work if it can (an executor drops a queued task and cancels
// the context of a running one). A running future can be cancelled too;
// [Future.Started] then stays true. Cancel reports whether this call
// cancelled f; it returns false if f had already settled. Callbacks added
// with [Future.OnSettle] run before Cancel returns; Cancel never blocks
// otherwise, and is safe for concurrent use.
func (f *Future[T]) Cancel() bool {
	var zero T
	return f.settle(zero, context.Canceled, true)
}

// settle stores the result if f is still pending and reports whether it did.
// When cancelled is set, the producer's OnCancel hook runs before the
// waiters are told.
func (f *Future[T]) settle(value T, err error, cancelled bool) bool {
	f.mu.Lock()
	if f.Settled() {
		f.mu.Unlock()
		return false
	}
	f.value, f.err = value, err
	f.state.Or(settled)
	if f.done != nil {
		close(f.done)
	}
	waiters, onCancel := f.waiters.take(), f.onCancel
	f.onCancel = nil
	f.mu.Unlock()
	if cancelled && onCancel != nil {
		onCancel(err)
	}
	waiters.notify(value, err)
	return true
}
