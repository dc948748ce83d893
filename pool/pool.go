package pool

import (
	"context"
	"sync/atomic"

	"github.com/poolkit/poolkit/internal/queue"
)

// Pool is the goroutine engine: a fixed set of worker goroutines that run
// tasks from a bounded queue. It satisfies [Executor].
//
// A Pool is safe for concurrent use. It must be created with [New] and
// should be shut down with [Pool.Shutdown] or [Pool.Close], which join every
// goroutine it started.
type Pool[In, Out any] struct {
	fn   Func[In, Out]
	cfg  config
	cost func(In) int64 // the Cost option; nil for 1 per input

	queue *queue.Queue[runner[In, Out]]

	dropping atomic.Bool   // CancelQueued, or Shutdown gave up: drop what has not started
	gaveUp   atomic.Bool   // Shutdown gave up: cancel what runs, too
	live     atomic.Int32  // worker goroutines not yet exited
	exited   chan struct{} // closed when the last worker exits
	failing  atomic.Int32  // workers whose last initializer failed

	workers []*worker[In, Out]
	dropper *worker[In, Out] // counts what CancelQueued drops; it runs nothing

	queuedJobs  atomic.Int64  // Submit tasks waiting in the queue
	queuedItems atomic.Int64  // Map and MapSeq inputs not yet started
	skipped     atomic.Uint64 // Map and MapSeq inputs cancelled before they started
}

// New starts a pool of worker goroutines that run fn. It panics if fn is nil
// or an option is invalid, with a message naming the problem.
func New[In, Out any](fn Func[In, Out], opts ...Option) *Pool[In, Out] {
	if fn == nil {
		panic("pool: New: nil Func")
	}
	cfg := newConfig(opts)
	p := &Pool[In, Out]{
		fn:      fn,
		cfg:     cfg,
		cost:    costFunc[In](&cfg),
		queue:   queue.New[runner[In, Out]](cfg.queue, ErrClosed, ErrQueueFull),
		exited:  make(chan struct{}),
		workers: make([]*worker[In, Out], cfg.workers),
	}
	p.dropper = &worker[In, Out]{p: p, slot: slot{limit: cfg.limit}}
	p.live.Store(int32(cfg.workers))
	for i := range p.workers {
		w := &worker[In, Out]{p: p, slot: slot{limit: cfg.limit}}
		p.workers[i] = w
		go w.loop(nil)
	}
	return p
}

// checkOpen returns ErrClosed once Shutdown has begun.
func (p *Pool[In, Out]) checkOpen() error {
	if p.queue.Closed() {
		return ErrClosed
	}
	return nil
}

// Shutdown stops intake: later calls to Submit settle with [ErrClosed], and
// tasks blocked in Submit give up with it. Queued and running tasks go on.
// If ctx ends before they finish, Shutdown cancels them: queued tasks settle
// with [ErrShutdownCancel] without running, and running tasks have their
// context cancelled and settle with it at once.
//
// Shutdown returns after every worker goroutine has exited: nil if all work
// finished, ctx's error if ctx ended first, which it always has if it had
// ended before the call, even with nothing left to cancel. A running task
// that ignores its context delays that return until it finishes; a
// goroutine cannot be stopped from outside (procpool kills such a task
// instead). Shutdown is safe to call more than once and from several
// goroutines.
func (p *Pool[In, Out]) Shutdown(ctx context.Context) error {
	p.queue.Close()
	if ctx.Err() == nil { // a context that has ended gets its error, whatever is left
		select {
		case <-p.exited:
			return nil
		case <-ctx.Done():
		}
	}
	p.abandon()
	<-p.exited
	return ctx.Err()
}

// Close is Shutdown(context.Background()): it waits for all queued and
// running tasks. It always returns nil.
func (p *Pool[In, Out]) Close() error {
	return p.Shutdown(context.Background())
}

// abandon makes the workers cancel what they have and what is still queued.
func (p *Pool[In, Out]) abandon() {
	p.gaveUp.Store(true)
	p.dropping.Store(true)
	for _, w := range p.workers {
		w.interrupt(ErrShutdownCancel)
	}
}

// CancelQueued is Python's shutdown(cancel_futures=True): it stops intake
// as Shutdown does, settles every input that has not started with
// [ErrShutdownCancel] (queued Submits, inputs waiting for a shared [Limit],
// and the inputs of Map and MapSeq not yet run, so a Map returns that
// error), lets running inputs finish, and
// then returns as Shutdown(ctx) does. It is safe for concurrent use.
func (p *Pool[In, Out]) CancelQueued(ctx context.Context) error {
	p.dropping.Store(true)
	for _, w := range p.workers {
		w.slot.stop()
	}
	p.queue.Close()
	for r := range p.queue.C { // the workers drop what they take meanwhile too
		r.drop(p.dropper, ErrShutdownCancel)
	}
	return p.Shutdown(ctx)
}

// Stats returns a snapshot of the pool's counters. It is safe for concurrent
// use and never blocks on running tasks.
func (p *Pool[In, Out]) Stats() Stats {
	s := Stats{
		Workers: int(p.live.Load()),
		Queued:  int(p.queuedJobs.Load() + p.queuedItems.Load()),
	}
	s.Cancelled = p.skipped.Load()
	for _, w := range p.workers {
		w.addTo(&s)
	}
	p.dropper.addTo(&s)
	s.Submitted = s.Completed + s.Failed + s.Cancelled + uint64(s.Queued) + uint64(s.Running)
	return s
}
