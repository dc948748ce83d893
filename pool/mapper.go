package pool

import (
	"context"
	"github.com/poolkit/poolkit/internal/guard"
	"sync"
	"sync/atomic"
)

// Map runs fn over ins on the pool's workers and returns the outputs in
// input order. It blocks until every task it started has returned.
//
// Map does not allocate per input: it queues one share per worker, and the
// shares take chunks of consecutive inputs from a shared index, large ones
// first and single ones at the end, so uneven tasks still balance.
//
// At the first failure Map stops starting new inputs, cancels the context of
// the tasks still running, and returns a [*TaskError] naming the failed
// input (the first to fail, if several do). If ctx ends first, Map
// returns ctx's error; if the pool is shut down, [ErrClosed]. The outputs
// are nil whenever the error is not.
func (p *Pool[In, Out]) Map(ctx context.Context, ins []In) ([]Out, error) {
	if len(ins) == 0 {
		if err := p.checkOpen(); err != nil {
			return nil, err
		}
		return []Out{}, nil
	}
	m := newMapping(p, ctx, ins)
	defer m.release()
	shares := min(p.cfg.workers, len(ins))
	p.queuedItems.Add(int64(len(ins)))
	for i := range shares {
		m.shares.Add(1)
		if err := p.queue.Send(ctx, m, true); err != nil {
			m.shares.Done()
			// A share already queued finishes the work on its own, even
			// through Shutdown, unless ctx has ended.
			if i == 0 || err != ErrClosed {
				m.fail(-1, err)
			}
			break
		}
	}
	m.shares.Wait()
	return m.result()
}

// mapping is one call of Map. Each of its shares in the queue is the same
// *mapping, run by as many workers as took one.
type mapping[In, Out any] struct {
	p      *Pool[In, Out]
	parent context.Context
	ctx    context.Context
	cancel context.CancelCauseFunc
	ins    []In
	outs   []Out

	// stop is read before every input and next is written at every claim,
	// so each has a cache line of its own.
	_    [64]byte
	stop atomic.Bool // set at the first failure: start nothing more
	_    [63]byte
	next atomic.Int64 // first input not yet claimed
	_    [56]byte

	ran     atomic.Int64 // inputs started
	dropped atomic.Bool  // CancelQueued stopped it from starting the rest
	shares  sync.WaitGroup
	unlink  func() bool // stops the watch on ctx

	mu      sync.Mutex
	failAt  int // index of the failed input; -1 for a failure of no input
	failErr error
}

func newMapping[In, Out any](p *Pool[In, Out], ctx context.Context, ins []In) *mapping[In, Out] {
	m := &mapping[In, Out]{p: p, parent: ctx, ins: ins, outs: make([]Out, len(ins))}
	m.ctx, m.cancel = context.WithCancelCause(ctx)
	m.unlink = context.AfterFunc(m.ctx, func() { m.stop.Store(true) })
	return m
}

// release cancels what is left of the mapping's context.
func (m *mapping[In, Out]) release() {
	m.unlink()
	m.cancel(nil)
}

// claim takes the next chunk of inputs: a quarter of what each share would
// get if the rest were split evenly, and at least one.
func (m *mapping[In, Out]) claim() (lo, hi int, ok bool) {
	n := int64(len(m.ins))
	spread := int64(4 * m.p.cfg.workers)
	for !m.stop.Load() {
		if m.p.dropping.Load() {
			m.dropped.Store(true)
			break
		}
		next := m.next.Load()
		if next >= n {
			break
		}
		chunk := max((n-next)/spread, 1)
		if m.next.CompareAndSwap(next, next+chunk) {
			m.p.queuedItems.Add(-chunk)
			return int(next), int(next + chunk), true
		}
	}
	return 0, 0, false
}

func (m *mapping[In, Out]) run(w *worker[In, Out]) {
	for {
		lo, hi, ok := m.claim()
		if !ok {
			break
		}
		m.runChunk(w, lo, hi)
	}
	m.shares.Done()
}

// runChunk runs inputs lo to hi-1, stopping early at a failure. If a task
// calls runtime.Goexit, a new goroutine resumes m and this one ends.
func (m *mapping[In, Out]) runChunk(w *worker[In, Out], lo, hi int) {
	i := lo
	failed := func(err error) { // input i failed; the ones before it ran
		m.ran.Add(int64(i - lo + 1))
		m.fail(i, err)
		bump(&w.completed, uint64(i-lo))
		w.count(err, false)
	}
	value, stack, panicked := guard.Call(func() {
		fn, ctx, ins, outs := m.p.fn, m.ctx, m.ins[:hi], m.outs[:hi]
		limited := m.p.cfg.limit != nil
		for ; i < hi && !m.stop.Load(); i++ {
			if m.p.dropping.Load() {
				m.dropped.Store(true)
				break
			}
			if limited {
				cost, err := m.p.costOf(ins[i])
				if err != nil {
					failed(err)
					return
				}
				if !w.slot.keeps(cost) { // enter's fast path, inlined here
					if err := w.slot.enter(ctx, cost); err != nil {
						if err == ErrShutdownCancel {
							m.dropped.Store(true)
						} // else ctx ended, and m has stopped
						break
					}
				}
			}
			out, err := fn(ctx, ins[i])
			if err != nil {
				failed(err)
				return
			}
			outs[i] = out
		}
		m.ran.Add(int64(i - lo))
		bump(&w.completed, uint64(i-lo))
	}, func() {
		failed(ErrGoexit)
		w.replace(m)
	})
	if panicked {
		failed(&PanicError{Value: value, Stack: stack})
	}
}

// fail records the failure of input i (-1 for none) and stops the mapping.
// Only the first failure counts: later ones are mostly tasks that saw the
// cancellation the first one caused.
func (m *mapping[In, Out]) fail(i int, err error) {
	m.mu.Lock()
	if m.failErr == nil {
		m.failAt, m.failErr = i, err
	}
	m.mu.Unlock()
	m.stop.Store(true)
	m.cancel(err)
}

// drop gives up a share that never ran. A share dropped at shutdown
// leaves the other shares running: they stop claiming inputs by
// themselves, and Map returns err.
func (m *mapping[In, Out]) drop(w *worker[In, Out], err error) {
	if err == ErrShutdownCancel {
		m.dropped.Store(true)
	} else {
		m.fail(-1, err)
	}
	m.shares.Done()
}

func (m *mapping[In, Out]) interrupt(err error) {
	m.fail(-1, err)
}

// result settles the accounting of inputs that never ran and returns what
// Map returns.
func (m *mapping[In, Out]) result() ([]Out, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := int64(len(m.ins))
	ran := m.ran.Load()
	m.p.queuedItems.Add(-(n - min(m.next.Load(), n)))
	m.p.skipped.Add(uint64(n - ran))
	switch {
	case m.failErr == nil && ran == n:
		return m.outs, nil
	case m.failAt < 0 && m.failErr == ErrClosed: // refused before any share was queued
		return nil, ErrClosed
	case m.parent.Err() != nil:
		return nil, m.parent.Err()
	case m.failErr == nil && m.dropped.Load():
		return nil, ErrShutdownCancel
	case m.failAt < 0:
		return nil, m.failErr
	}
	return nil, &TaskError{Index: m.failAt, Err: m.failErr}
}
