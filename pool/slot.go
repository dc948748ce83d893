package pool

import "context"

// A worker of a pool Within a shared limit takes its input's slots before
// it runs the input (enter) and gives them back after its runner (leave).
// Between consecutive inputs of one runner it keeps them while no one
// waits, so a pool alone on its limit pays for slots only once per batch;
// once someone waits, it gives them back before every input and queues
// behind the waiters, which keeps the line first come, first served.
//
// held is touched only by the goroutine running the worker; waitCancel is
// guarded by the worker's mu.

// enter makes w hold cost slots of the pool's limit, waiting for them if
// they are not free. It returns nil once it holds them, ErrShutdownCancel
// if CancelQueued stopped the wait, and ctx's cause if ctx ended first.
func (w *worker[In, Out]) enter(ctx context.Context, cost int64) error {
	l := w.p.cfg.limit
	if cost == w.held && l.waiting.Load() == 0 {
		return nil
	}
	w.leave()
	if cost == 0 || l.sem.TryAcquire(cost) {
		w.held = cost
		return nil
	}
	return w.wait(ctx, cost)
}

// wait blocks until w holds cost slots, ctx ends, or stopWaiting is
// called, and counts as queued in Stats meanwhile.
func (w *worker[In, Out]) wait(ctx context.Context, cost int64) error {
	l := w.p.cfg.limit
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	w.mu.Lock()
	if w.p.dropping.Load() { // CancelQueued came first
		w.mu.Unlock()
		return ErrShutdownCancel
	}
	w.waitCancel = cancel
	w.mu.Unlock()

	l.waiting.Add(1)
	err := l.sem.Acquire(ctx, cost)
	l.waiting.Add(-1)

	w.mu.Lock()
	w.waitCancel = nil
	w.mu.Unlock()
	if err != nil {
		return context.Cause(ctx)
	}
	w.held = cost
	return nil
}

// leave gives back the slots w holds.
func (w *worker[In, Out]) leave() {
	if w.held > 0 {
		w.p.cfg.limit.sem.Release(w.held)
		w.held = 0
	}
}

// stopWaiting ends w's wait for slots, if it waits, with
// ErrShutdownCancel. Callers set p.dropping first.
func (w *worker[In, Out]) stopWaiting() {
	w.mu.Lock()
	if w.waitCancel != nil {
		w.waitCancel(ErrShutdownCancel)
	}
	w.mu.Unlock()
}
