package future

// Promise is the write side of a [Future]. A producer keeps the Promise,
// hands out [Promise.Future], calls [Promise.Start] when the work begins,
// and settles it with [Promise.Settle] once the work is done.
//
// The zero Promise is pending and ready to use, so a producer can embed one
// in its own task struct and pay a single allocation for both. A Promise
// must not be copied after first use. Its methods are safe for concurrent
// use.
type Promise[T any] struct {
	f Future[T]
}

// NewPromise returns a pending promise.
func NewPromise[T any]() *Promise[T] {
	return new(Promise[T])
}

// Future returns the future that p settles. It is the same pointer on every
// call.
func (p *Promise[T]) Future() *Future[T] {
	return &p.f
}

// Start marks the future as running: the producer calls it when the work
// begins, and reports to consumers through [Future.Running] and
// [Future.Started]. Start reports whether the work should go on: it returns
// false if the future has already settled, typically because a consumer
// cancelled it while it waited, and then the producer must not start the
// work. Called again while the future is pending, it returns true. Start
// never blocks, and is optional: a producer that never calls it only leaves
// Running false. It is Python's Future.set_running_or_notify_cancel.
func (p *Promise[T]) Start() bool {
	for {
		state := p.f.state.Load()
		if state&settled != 0 {
			return false
		}
		if state&started != 0 || p.f.state.CompareAndSwap(state, state|started) {
			return true
		}
	}
}

// Settle settles the future with value and err and reports whether this call
// did so; it returns false if the future had already settled (for example,
// because the consumer cancelled it). Callbacks added with
// [Future.OnSettle] run before Settle returns.
func (p *Promise[T]) Settle(value T, err error) bool {
	return p.f.settle(value, err, false)
}

// OnCancel sets fn to run when a consumer cancels the future with
// [Future.Cancel], so the producer can stop the work. fn receives the
// cancellation error, runs in the cancelling goroutine, must not block, and
// runs at most once. A later call replaces an earlier fn. OnCancel has no
// effect once the future has settled.
func (p *Promise[T]) OnCancel(fn func(err error)) {
	p.f.mu.Lock()
	defer p.f.mu.Unlock()
	if !p.f.Settled() {
		p.f.onCancel = fn
	}
}

// Value returns a future already settled with v.
func Value[T any](v T) *Future[T] {
	p := new(Promise[T])
	p.Settle(v, nil)
	return p.Future()
}

// Failed returns a future already settled with err.
func Failed[T any](err error) *Future[T] {
	p := new(Promise[T])
	var zero T
	p.Settle(zero, err)
	return p.Future()
}
