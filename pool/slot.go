package pool

import (
	"context"
	"sync"
)

// slot is a worker's hold on its pool's shared limit (the Within option).
// The worker takes its input's slots before it runs the input (enter) and
// gives them back after its runner (leave). Between consecutive inputs of
// one runner it keeps them while no one waits, so a pool alone on its
// limit pays for slots about once per batch; once someone waits, it gives
// them back before every input and queues behind the waiters, which keeps
// the line first come, first served.
//
// held is touched only by the goroutine running the worker; the rest is
// guarded by mu, which is never held with the worker's own.
type slot struct {
	limit *Limit // nil for a pool without one
	held  int64  // slots of limit held now

	mu      sync.Mutex
	cancel  context.CancelCauseFunc // ends the wait in progress; nil while not waiting
	stopped bool                    // stop was called: no more waiting
}

// enter makes s hold cost slots of its limit, waiting for them if they
// are not free. It returns nil once it holds them, ErrShutdownCancel if
// stop ended the wait, and ctx's cause if ctx ended first.
func (s *slot) enter(ctx context.Context, cost int64) error {
	if s.keeps(cost) {
		return nil
	}
	s.leave()
	if cost == 0 || s.limit.sem.TryAcquire(cost) {
		s.held = cost
		return nil
	}
	return s.wait(ctx, cost)
}

// keeps reports whether an input that costs cost may run on the slots s
// holds, as it may while no one waits: enter's fast path, small enough to
// be inlined into the loops over inputs.
func (s *slot) keeps(cost int64) bool {
	return cost == s.held && s.limit.waiting.Load() == 0
}

// wait blocks until s holds cost slots, ctx ends, or stop is called.
func (s *slot) wait(ctx context.Context, cost int64) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return ErrShutdownCancel
	}
	s.cancel = cancel
	s.mu.Unlock()

	s.limit.waiting.Add(1)
	err := s.limit.sem.Acquire(ctx, cost)
	s.limit.waiting.Add(-1)

	s.mu.Lock()
	s.cancel = nil
	s.mu.Unlock()
	if err != nil {
		return context.Cause(ctx)
	}
	s.held = cost
	return nil
}

// leave gives back the slots s holds.
func (s *slot) leave() {
	if s.held > 0 {
		s.limit.sem.Release(s.held)
		s.held = 0
	}
}

// stop ends the wait of s, if it waits, and any later one, with
// ErrShutdownCancel: the inputs that have not started are being dropped.
func (s *slot) stop() {
	s.mu.Lock()
	s.stopped = true
	if s.cancel != nil {
		s.cancel(ErrShutdownCancel)
	}
	s.mu.Unlock()
}

// waiting reports whether s waits for slots now.
func (s *slot) waiting() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancel != nil
}
