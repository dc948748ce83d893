package pool

import (
	"context"
	"sync"
	"sync/atomic"
)

// Pool is the goroutine engine: a fixed set of worker goroutines that run
// tasks from a bounded queue. It satisfies [Executor].
//
// A Pool is safe for concurrent use. It must be created with [New] and
// should be shut down with [Pool.Shutdown] or [Pool.Close], which join every
// goroutine it started.
type Pool[In, Out any] struct {
	fn  Func[In, Out]
	cfg config

	queue chan runner[In, Out]

	// intake guards the queue against Shutdown: senders hold it for reading
	// while they send, and Shutdown takes it for writing to close the queue.
	intake  sync.RWMutex
	closed  bool
	closing chan struct{} // closed when Shutdown begins, to wake blocked senders
	close1  sync.Once

	abandoned atomic.Bool   // Shutdown's ctx ended: cancel instead of run
	live      atomic.Int32  // worker goroutines not yet exited
	exited    chan struct{} // closed when the last worker exits

	workers []*worker[In, Out]

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
		queue:   make(chan runner[In, Out], cfg.queue),
		closing: make(chan struct{}),
		exited:  make(chan struct{}),
		workers: make([]*worker[In, Out], cfg.workers),
	}
	p.live.Store(int32(cfg.workers))
	for i := range p.workers {
		w := &worker[In, Out]{p: p}
		p.workers[i] = w
		go w.loop(nil)
	}
	return p
}

// enqueue hands r to the workers. It blocks while the queue is full, until
// there is room, ctx ends, or the pool shuts down, and returns ctx's error or
// ErrClosed if r was not queued.
func (p *Pool[In, Out]) enqueue(ctx context.Context, r runner[In, Out]) error {
	p.intake.RLock()
	defer p.intake.RUnlock()
	if p.closed {
		return ErrClosed
	}
	select {
	case p.queue <- r:
		return nil
	default:
	}
	select {
	case p.queue <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-p.closing:
		return ErrClosed
	}
}

// checkOpen returns ErrClosed once Shutdown has begun.
func (p *Pool[In, Out]) checkOpen() error {
	p.intake.RLock()
	defer p.intake.RUnlock()
	if p.closed {
		return ErrClosed
	}
	return nil
}

// tryEnqueue is enqueue without blocking.
func (p *Pool[In, Out]) tryEnqueue(r runner[In, Out]) error {
	p.intake.RLock()
	defer p.intake.RUnlock()
	if p.closed {
		return ErrClosed
	}
	select {
	case p.queue <- r:
		return nil
	default:
		return ErrQueueFull
	}
}

// Shutdown stops intake: later calls to Submit settle with [ErrClosed], and
// tasks blocked in Submit give up with it. Queued and running tasks go on.
// If ctx ends before they finish, Shutdown cancels them: queued tasks settle
// with [ErrShutdownCancel] without running, and running tasks have their
// context cancelled and settle with it at once.
//
// Shutdown returns after every worker goroutine has exited: nil if all work
// finished, ctx's error if some was cancelled. A running task that ignores
// its context delays that return until it finishes; a goroutine cannot be
// stopped from outside (procpool kills such a task instead). Shutdown is
// safe to call more than once and from several goroutines.
func (p *Pool[In, Out]) Shutdown(ctx context.Context) error {
	p.stopIntake()
	select {
	case <-p.exited:
		return nil
	case <-ctx.Done():
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

// stopIntake closes the queue once no sender is inside enqueue.
func (p *Pool[In, Out]) stopIntake() {
	p.close1.Do(func() {
		close(p.closing)
		p.intake.Lock()
		p.closed = true
		close(p.queue)
		p.intake.Unlock()
	})
}

// abandon makes the workers cancel what they have and what is still queued.
func (p *Pool[In, Out]) abandon() {
	p.abandoned.Store(true)
	for _, w := range p.workers {
		w.interrupt(ErrShutdownCancel)
	}
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
	s.Submitted = s.Completed + s.Failed + s.Cancelled + uint64(s.Queued) + uint64(s.Running)
	return s
}
