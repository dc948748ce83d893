package procpool

import (
	"context"
	"iter"
	"log/slog"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

// Pool is the process engine: it runs a registered [Task] in worker
// processes and satisfies [pool.Executor]. A Pool is safe for concurrent
// use. Create it with [New]; [Pool.Shutdown] or [Pool.Close] reap every
// process it started.
type Pool[In, Out any] struct {
	task    *Task[In, Out]
	cfg     config
	set     *Set // the set whose workers the pool borrows; nil if it starts its own
	log     *slog.Logger
	spawner *spawner
	fw      *forwarder
	setup   setupBase // what every worker is told at its handshake

	stop    context.Context // cancelled when Shutdown gives up waiting
	giveUp  context.CancelFunc
	done    chan struct{} // closed when intake is closed and no job is outstanding
	closing chan struct{} // closed when intake closes
	slotsWG sync.WaitGroup

	mu          sync.Mutex // guards the supervisor's state: see supervisor.go
	closed      bool
	finished    bool
	queue       []*request[In, Out]
	queued      int           // requests in queue that count against the queue size
	waiters     int           // callers waiting for room
	space       chan struct{} // closed and replaced when room appears
	idle        []*worker[In, Out]
	slots       []*slot[In, Out]
	outstanding int       // jobs and Map calls not finished
	dropping    bool      // CancelQueued: inputs not started are settled, not run
	shortSince  time.Time // since when starts fail for want of resources; zero if none does

	nextID atomic.Uint64
	stats  counters
	end1   sync.Once
}

// New returns a pool that runs t in worker processes. Workers start when
// inputs arrive and no worker is idle, or in New with [Prestart]. With
// [On], the pool runs on a [Set]'s workers instead of starting its own.
//
// New panics if t is nil, if an option is invalid, or if it is called in a
// worker process: a program whose main does not call [Main] first would
// otherwise start pools from its workers without end.
func New[In, Out any](t *Task[In, Out], opts ...Option) *Pool[In, Out] {
	checkNotWorker()
	if t == nil {
		panic("procpool: New: nil Task")
	}
	cfg := newConfig(opts)
	if cfg.set != nil {
		cfg = onSet(cfg)
	}
	executableID() // before the pool uses any file descriptor
	p := &Pool[In, Out]{
		task:    t,
		cfg:     cfg,
		set:     cfg.set,
		log:     cfg.logger,
		done:    make(chan struct{}),
		closing: make(chan struct{}),
		space:   make(chan struct{}),
	}
	p.setup = newSetupBase(t, &cfg)
	p.stop, p.giveUp = context.WithCancel(context.Background())
	if p.set != nil {
		p.spawner, p.fw = p.set.spawner, p.set.fw
		p.addSlots(cfg.total(), nil, false)
		if !p.set.join(p) {
			p.close()
		}
		return p
	}
	p.spawner, p.fw = newSpawner(), newForwarder(cfg.stderr)
	local := cfg.command
	if local == nil {
		local = defaultCommand
	}
	p.addSlots(cfg.workers, local, true)
	for _, g := range cfg.groups {
		p.addSlots(g.n, g.build, false)
	}
	if cfg.prestart {
		p.mu.Lock()
		for _, s := range p.slots {
			s.state = slotStarting
			s.signal()
		}
		p.mu.Unlock()
	}
	return p
}

// checkNotWorker panics in a worker process, with a message for each way
// of getting there.
func checkNotWorker() {
	switch {
	case inWorker.Load():
		panic("procpool: New called inside a worker process, from a task or an initializer: " +
			"a worker cannot start pools of its own; start pools in the parent and give the task what it needs")
	case isWorkerProcess():
		panic("procpool: New called in a worker process (" + envWorker + " is set) before procpool.Main ran: " +
			"call procpool.Main() as the first statement of main, and of TestMain in tests")
	}
}

// addSlots adds n slots whose workers build starts (nil for a pool on a
// set, whose slots borrow the set's).
func (p *Pool[In, Out]) addSlots(n int, build func(int) *exec.Cmd, local bool) {
	for i := range n {
		s := &slot[In, Out]{p: p, index: len(p.slots), local: local, wake: make(chan struct{}, 1)}
		if build != nil {
			s.launch = func() *exec.Cmd { return build(i) }
		}
		p.slots = append(p.slots, s)
		p.slotsWG.Add(1)
		go s.run()
	}
}

// Submit runs t on in in a worker process and returns its future. It
// blocks while the queue is full, until there is room, ctx ends, or the
// pool shuts down; an input that could not be queued is returned settled
// with [pool.ErrClosed] or ctx's error, in that order. Submit is safe for
// concurrent use.
//
// The input's context in the worker carries ctx's deadline. When ctx ends
// or the future is cancelled, the future settles at once with the
// context's error; a queued input never runs, and a running one has its
// context cancelled in the worker, with ctx's cause, and its worker is
// killed if it has not returned after the kill grace.
func (p *Pool[In, Out]) Submit(ctx context.Context, in In) *future.Future[Out] {
	f, err := p.submit(ctx, in, true)
	if err != nil {
		return future.Failed[Out](err)
	}
	return f
}

// TrySubmit is Submit without waiting: if the queue has no room it returns
// nil and [pool.ErrQueueFull], and after Shutdown nil and [pool.ErrClosed].
// It never blocks and is safe for concurrent use.
func (p *Pool[In, Out]) TrySubmit(ctx context.Context, in In) (*future.Future[Out], error) {
	return p.submit(ctx, in, false)
}

func (p *Pool[In, Out]) submit(ctx context.Context, in In, wait bool) (*future.Future[Out], error) {
	j := newJob(p, ctx, []In{in}, &promiseSink[Out]{stats: &p.stats})
	r := j.request(nil)
	if err := p.enqueue(ctx, r, wait, false); err != nil {
		j.abandon(r)
		return nil, err
	}
	j.watch()
	return j.sink.(*promiseSink[Out]).Future(), nil
}

// Shutdown stops intake: later calls to Submit settle with
// [pool.ErrClosed]. Queued and running inputs go on, and a Map already
// running finishes; once they are done, each worker is asked to exit by
// closing its stdin. If ctx ends first, Shutdown kills every worker
// process group at once, and the inputs left settle with
// [pool.ErrShutdownCancel].
//
// Shutdown returns after every worker process has been reaped: nil if all
// work finished, ctx's error if ctx ended first, which it always has if it
// had ended before the call, even with nothing left to cancel. It is safe
// to call more than once and from several goroutines.
func (p *Pool[In, Out]) Shutdown(ctx context.Context) error {
	p.close()
	finished := false
	if ctx.Err() == nil { // a context that has ended gets its error, whatever is left
		select {
		case <-p.done:
			finished = true
		case <-ctx.Done():
		}
	}
	var err error
	if !finished {
		err = ctx.Err()
		p.abandon()
	}
	p.slotsWG.Wait()
	p.end1.Do(func() {
		if p.set != nil {
			p.set.leave(p)
			return
		}
		p.spawner.stop()
		p.fw.close(time.Second)
	})
	return err
}

// CancelQueued is Python's shutdown(cancel_futures=True): it stops intake
// as Shutdown does, settles every input that has not started with
// [pool.ErrShutdownCancel] (queued Submits, and the inputs of Map and
// MapSeq not yet run, so a Map returns that error), lets running inputs
// finish, and then returns as Shutdown(ctx) does.
func (p *Pool[In, Out]) CancelQueued(ctx context.Context) error {
	p.mu.Lock()
	p.dropping = true
	queued := p.queue
	p.queue, p.queued = nil, 0
	var running []*worker[In, Out]
	for _, s := range p.slots {
		if s.state == slotRunning {
			running = append(running, s.w)
		}
	}
	p.mu.Unlock()
	p.close()
	for _, r := range queued {
		r.job.fail(r, pool.ErrShutdownCancel)
	}
	for _, w := range running {
		w.trim()
	}
	return p.Shutdown(ctx)
}

// Close is Shutdown(context.Background()). It always returns nil.
func (p *Pool[In, Out]) Close() error {
	return p.Shutdown(context.Background())
}

// isClosed reports whether Shutdown has begun.
func (p *Pool[In, Out]) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// close stops intake.
func (p *Pool[In, Out]) close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.closing)
	}
	ws := p.finishLocked()
	p.mu.Unlock()
	askToExit(ws)
}

// abandon gives up on the work left: queued inputs settle with
// ErrShutdownCancel, and every worker is killed, so what ran on it settles
// the same way.
func (p *Pool[In, Out]) abandon() {
	p.giveUp()
	p.mu.Lock()
	queued := p.queue
	p.queue, p.queued = nil, 0
	var running []*worker[In, Out]
	for _, s := range p.slots {
		if s.w != nil {
			running = append(running, s.w)
		}
	}
	p.mu.Unlock()
	for _, r := range queued {
		r.job.fail(r, pool.ErrShutdownCancel)
	}
	for _, w := range running {
		w.kill()
	}
}

// Map runs t over ins in worker processes and returns the outputs in input
// order. Inputs go out in batches sized from measured task time, so tiny
// tasks are cheap without tuning. At the first failure Map stops sending
// inputs, cancels the ones running (their context's cause is the failure)
// and returns a [*pool.TaskError] naming the input as soon as the inputs
// it started have returned, however long the earlier ones would take; if
// ctx ends first, ctx's error. A Map that has started finishes even if the
// pool is shut down meanwhile, unless Shutdown gives up.
//
// If a worker dies while running a batch, the inputs of the batch without
// a result fail with [ErrWorkerDied] (with [Retries], only the input that
// was running is charged, and the others run again).
func (p *Pool[In, Out]) Map(ctx context.Context, ins []In) ([]Out, error) {
	return mapSlice(p, ctx, ins)
}

// MapSeq runs t over ins in worker processes and yields the outputs in
// input order. ins is read on a goroutine of its own, so each output is
// yielded as soon as it and every earlier one are back, whether or not ins
// has given more: an ins that pauses, or waits for an output before it
// gives the next, works. Inputs go out in batches sized from measured task
// time (see [BatchSize]); an input waits at most 2ms for others to share
// its message, and not at all when no worker is busy. At most four batches
// per worker are in flight or waiting to be yielded, and ins is read only
// while fewer than [ReadAhead] inputs are read and not yet yielded, so
// memory stays bounded however long ins is.
//
// Each failed input yields the zero output and a [*pool.TaskError] naming
// it, and the stream goes on. If ctx ends or the pool shuts down, MapSeq
// yields that error once and stops; begun after Shutdown, it yields
// [pool.ErrClosed] once, whatever ctx and ins. Breaking out of the loop
// cancels the inputs in flight and waits for them (killing workers that
// ignore the cancellation past the kill grace); no input is read after the
// break but the one being read.
func (p *Pool[In, Out]) MapSeq(ctx context.Context, ins iter.Seq[In]) iter.Seq2[Out, error] {
	return func(yield func(Out, error) bool) {
		runStream(p, ctx, ins, false, func(_ int, out Out, err error) bool { return yield(out, err) })
	}
}

// MapUnordered is MapSeq in completion order, like Python's
// imap_unordered: it yields each input's Result, with its index, as soon as
// its batch comes back, so a slow input does not hold back those after it.
// Memory, batching, errors and breaking out work as in MapSeq.
func (p *Pool[In, Out]) MapUnordered(ctx context.Context, ins iter.Seq[In]) iter.Seq[pool.Result[Out]] {
	return func(yield func(pool.Result[Out]) bool) {
		runStream(p, ctx, ins, true, func(i int, out Out, err error) bool {
			return yield(pool.Result[Out]{Index: i, Out: out, Err: err})
		})
	}
}

// Stats returns a snapshot of the pool's counters and workers. It is safe
// for concurrent use and never blocks on running inputs.
func (p *Pool[In, Out]) Stats() Stats {
	c := &p.stats
	s := Stats{
		Stats: pool.Stats{
			Submitted: c.submitted.Load(),
			Completed: c.completed.Load(),
			Failed:    c.failed.Load(),
			Cancelled: c.cancelled.Load(),
			Panicked:  c.panicked.Load(),
		},
		Died:          c.died.Load(),
		Killed:        c.killed.Load(),
		Recycled:      c.recycled.Load(),
		StartFailures: c.startFailures.Load(),
		StderrDropped: p.fw.dropped.Load(),
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sl := range p.slots {
		ws := WorkerStats{Slot: sl.index, Restarts: sl.restarts}
		if w := sl.w; w != nil && !w.gone {
			ws.PID, ws.Host, ws.Tasks, ws.RSS = w.pid, w.host, w.tasks.Load(), w.rss.Load()
			s.Running += w.running()
			s.Workers++
		}
		s.Procs = append(s.Procs, ws)
	}
	s.Queued = max(0, int(s.Submitted-s.Completed-s.Failed-s.Cancelled)-s.Running)
	return s
}
