package procpool

import (
	"context"
	"iter"
	"log/slog"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/internal/stream"
	"github.com/poolkit/poolkit/pool"
)

// Pool is the process engine: it runs a registered [Task] in worker
// processes and satisfies [pool.Executor]. A Pool is safe for concurrent
// use. Create it with [New]; [Pool.Shutdown] or [Pool.Close] reap every
// process it started.
type Pool[In, Out any] struct {
	task *Task[In, Out]
	cfg  config
	log  *slog.Logger

	intake  *intake[In, Out]
	halt    context.Context // cancelled when Shutdown gives up waiting
	stopAll context.CancelFunc
	abandon <-chan struct{} // halt.Done()
	stop1   sync.Once

	spawner  *spawner
	slots    sync.WaitGroup
	slotList []*slot[In, Out]
	stderrMu sync.Mutex

	startMu   sync.Mutex
	nStarting int
	nReady    int

	nextID atomic.Uint64
	idle   atomic.Int32 // ready workers with nothing in flight
	stats  counters
}

// New returns a pool that runs t in worker processes. Workers start when
// the first inputs arrive, or in New with [Prestart].
//
// New panics if t is nil, if an option is invalid, or if it is called in a
// worker process: a program whose main does not call [Main] first would
// otherwise start pools from its workers without end.
func New[In, Out any](t *Task[In, Out], opts ...Option) *Pool[In, Out] {
	if isWorkerProcess() {
		panic("procpool: New called in a worker process (" + envWorker + " is set): " +
			"call procpool.Main() as the first statement of main, and of TestMain in tests")
	}
	if t == nil {
		panic("procpool: New: nil Task")
	}
	cfg := newConfig(opts)
	p := &Pool[In, Out]{
		task:    t,
		cfg:     cfg,
		log:     cfg.logger,
		intake:  newIntake[In, Out](cfg.queue),
		spawner: newSpawner(),
	}
	p.halt, p.stopAll = context.WithCancel(context.Background())
	p.abandon = p.halt.Done()
	local := cfg.command
	if local == nil {
		local = defaultCommand
	}
	p.addSlots(cfg.workers, local, true)
	for _, g := range cfg.groups {
		p.addSlots(g.n, g.build, false)
	}
	return p
}

// addSlots starts n slots whose workers build starts.
func (p *Pool[In, Out]) addSlots(n int, build func(int) *exec.Cmd, local bool) {
	for i := range n {
		s := &slot[In, Out]{p: p, index: len(p.slotList), local: local, launch: func() *exec.Cmd { return build(i) }}
		p.slotList = append(p.slotList, s)
		p.slots.Add(1)
		go s.run()
	}
}

// Submit runs t on in in a worker process and returns its future. It
// blocks while the queue is full, until there is room, ctx ends, or the
// pool shuts down; an input that could not be queued is returned settled
// with ctx's error or [pool.ErrClosed]. Submit is safe for concurrent use.
//
// When ctx ends or the future is cancelled, a queued input settles at once
// and never runs; a running input has its context cancelled in the worker
// and, if it has not returned after the kill grace, its worker is killed.
func (p *Pool[In, Out]) Submit(ctx context.Context, in In) *future.Future[Out] {
	f, err := p.submit(ctx, in, true)
	if err != nil {
		return future.Failed[Out](err)
	}
	return f
}

// TrySubmit is Submit without waiting: if the queue has no room it returns
// nil and [pool.ErrQueueFull], and after Shutdown nil and [pool.ErrClosed].
func (p *Pool[In, Out]) TrySubmit(ctx context.Context, in In) (*future.Future[Out], error) {
	return p.submit(ctx, in, false)
}

func (p *Pool[In, Out]) submit(ctx context.Context, in In, wait bool) (*future.Future[Out], error) {
	j, pt := newJob(p, ctx, []In{in})
	j.promise = future.NewPromise[Out]()
	if err := p.accept(ctx, j, pt, wait); err != nil {
		return nil, err
	}
	return j.promise.Future(), nil
}

// accept queues a new job.
func (p *Pool[In, Out]) accept(ctx context.Context, j *job[In, Out], pt *part[In, Out], wait bool) error {
	n := uint64(len(j.ins))
	p.stats.submitted.Add(n) // before any outcome can be counted
	if err := p.intake.accept(ctx, pt, wait); err != nil {
		p.stats.submitted.Add(-n)
		return err
	}
	j.watch()
	return nil
}

// Map runs t over ins in worker processes and returns the outputs in input
// order. Inputs go out in batches sized from measured task time, so tiny
// tasks are cheap without tuning. At the first failure Map stops sending
// inputs, cancels the ones running, and returns a [*pool.TaskError] naming
// the input; if ctx ends first, ctx's error. If a worker dies while running
// a batch, the inputs of the batch without a result fail with
// [ErrWorkerDied] (or run again, one by one, with [Retries]).
func (p *Pool[In, Out]) Map(ctx context.Context, ins []In) ([]Out, error) {
	if len(ins) == 0 {
		if p.intake.isClosed() {
			return nil, pool.ErrClosed
		}
		return []Out{}, nil
	}
	outs := make([]Out, 0, len(ins))
	for out, err := range p.MapSeq(ctx, slices.Values(ins)) {
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		outs = append(outs, out)
	}
	return outs, nil
}

// MapSeq runs t over ins in worker processes and yields the outputs in
// input order. Inputs go out in batches sized from measured task time, and
// at most a window of batches (four per worker, each at most 4096 inputs)
// is in flight or waiting to be yielded, so memory stays bounded however
// long ins is.
//
// Each failed input yields the zero output and a [*pool.TaskError] naming
// it, and the stream goes on. If ctx ends or the pool shuts down, MapSeq
// yields that error once and stops. Breaking out of the loop cancels the
// inputs in flight and waits for them (killing workers that ignore the
// cancellation past the kill grace).
func (p *Pool[In, Out]) MapSeq(ctx context.Context, ins iter.Seq[In]) iter.Seq2[Out, error] {
	return func(yield func(Out, error) bool) {
		cfg := stream.Config{Window: 4 * p.cfg.total(), MaxBatch: 4096, Target: 2 * time.Millisecond}
		stream.Run(ctx, ins, cfg, p.dispatch, func(i int, out Out, err error) bool {
			if err != nil && i >= 0 {
				err = &pool.TaskError{Index: i, Err: err}
			}
			return yield(out, err)
		})
	}
}

// dispatch queues a MapSeq batch as one job.
func (p *Pool[In, Out]) dispatch(ctx context.Context, b *stream.Batch[In, Out]) error {
	j, pt := newJob(p, ctx, b.Ins)
	j.batch = b
	return p.accept(ctx, j, pt, true)
}

// Shutdown stops intake: later calls to Submit settle with
// [pool.ErrClosed]. Queued and running inputs go on; once they are done,
// each worker is asked to exit by closing its stdin. If ctx ends first,
// Shutdown kills every worker process group at once, and the inputs left
// settle with [pool.ErrShutdownCancel].
//
// Shutdown returns after every worker process has been reaped: nil if all
// work finished, ctx's error otherwise. It is safe to call more than once
// and from several goroutines.
func (p *Pool[In, Out]) Shutdown(ctx context.Context) error {
	p.intake.close()
	var err error
	select {
	case <-p.intake.finished:
	case <-ctx.Done():
		err = ctx.Err()
		p.stopAll()
		for _, s := range p.slotList {
			s.mu.Lock()
			if w := s.w; w != nil {
				w.kill()
			}
			s.mu.Unlock()
		}
	}
	p.slots.Wait()
	p.stop1.Do(p.spawner.stop)
	p.intake.drain(pool.ErrShutdownCancel)
	return err
}

// Close is Shutdown(context.Background()). It always returns nil.
func (p *Pool[In, Out]) Close() error {
	return p.Shutdown(context.Background())
}

func (p *Pool[In, Out]) isAbandoned() bool {
	select {
	case <-p.abandon:
		return true
	default:
		return false
	}
}
