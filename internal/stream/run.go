package stream

import (
	"context"
	"errors"
	"iter"
	"slices"
	"time"
)

// Config bounds a stream.
type Config struct {
	// Window is how many batches may be dispatched and not yet yielded.
	Window int
	// MaxBatch is the most inputs in one batch.
	MaxBatch int
	// Target is how long a batch should take to run; the batch size follows
	// from it and the measured time per input. It is also the longest an
	// input waits for others to share its batch.
	Target time.Duration
	// Batch, if positive, fixes the size of every batch instead.
	Batch int
	// ReadAhead is how many inputs may be pulled and not yet yielded; 0 for
	// Window * MaxBatch.
	ReadAhead int
	// Unordered yields outputs as batches finish rather than in input order.
	Unordered bool
}

// Dispatch hands b to a worker, which runs its inputs with ctx and calls
// b.Finish. It returns an error if b could not be handed over; b is then
// not finished. It may block.
type Dispatch[In, Out any] func(ctx context.Context, b *Batch[In, Out]) error

// ErrStopped is the cause with which a stream cancels the work in flight
// when the consumer stops early.
var ErrStopped = errors.New("stream: consumer stopped early")

// Run feeds ins through dispatch in batches and calls yield for each output
// with the input's index, in input order or, with cfg.Unordered, as batches
// finish. It stops when ins is exhausted and every output yielded, when
// yield returns false, when dispatch fails, or when ctx ends; the last two
// yield the error once with index -1 (after the outputs of what was
// dispatched before, for a dispatch error). Before returning, Run cancels
// the context it gave dispatch and waits until every dispatched batch has
// finished, so nothing it started outlives it but a feeder blocked inside
// ins (see the package doc).
//
// Three goroutines share the work: the feeder pulls ins, the dispatcher
// gathers inputs into batches, dispatches them and collects them as they
// finish, and the caller's goroutine yields their outputs, so that work
// goes on while the loop body runs.
func Run[In, Out any](ctx context.Context, ins iter.Seq[In], cfg Config, dispatch Dispatch[In, Out], yield func(i int, out Out, err error) bool) {
	ctx, cancel := context.WithCancelCause(ctx)
	s := newState(ctx, cfg, dispatch)
	go s.feed.run(ins)
	go s.loop()
	defer func() {
		s.feed.stop()
		cancel(ErrStopped)
		close(s.quit)
		<-s.exited
	}()
	for item := range s.out {
		if err := context.Cause(ctx); err != nil && item.err == nil {
			item = result[In, Out]{err: err}
		}
		if item.err != nil {
			var zero Out
			yield(-1, zero, item.err)
			return
		}
		if !s.emit(item.b, yield) {
			return
		}
		s.back <- item.b
	}
	if err := context.Cause(ctx); err != nil { // the dispatcher stopped for it
		var zero Out
		yield(-1, zero, err)
	}
}

// result is what the dispatcher hands the caller: a finished batch, or the
// error that ends the stream.
type result[In, Out any] struct {
	b   *Batch[In, Out]
	err error
}

// state is one run of a stream.
type state[In, Out any] struct {
	ctx      context.Context
	cfg      Config
	dispatch Dispatch[In, Out]
	sizer    Sizer
	feed     *feeder[In]

	finished chan *Batch[In, Out] // batches the engine finished
	out      chan result[In, Out] // batches to yield, to the caller
	back     chan *Batch[In, Out] // batches the caller yielded
	quit     chan struct{}        // closed when the caller stops
	exited   chan struct{}        // closed when the dispatcher is done
	pending  []*Batch[In, Out]    // dispatched, not yet handed over; in order unless Unordered
	ready    []taken[In]          // sealed, not yet dispatched
	held     int                  // batches handed to the caller and not yet back
	yielded  int64
	spare    []*Batch[In, Out] // yielded batches, whose outputs can be reused
	timer    *time.Timer
	timing   bool // the timer runs for the current fill
	drained  bool // the feeder is done and its last fill taken
	failed   error
}

func newState[In, Out any](ctx context.Context, cfg Config, dispatch Dispatch[In, Out]) *state[In, Out] {
	sz := NewSizer(cfg.MaxBatch, cfg.Target)
	if cfg.Batch > 0 {
		sz = FixedSizer(cfg.Batch)
	}
	readAhead := cfg.ReadAhead
	if readAhead <= 0 {
		readAhead = cfg.Window * max(cfg.MaxBatch, cfg.Batch)
	}
	s := &state[In, Out]{ctx: ctx, cfg: cfg, dispatch: dispatch, sizer: sz,
		feed:     newFeeder[In](sz.Size(), readAhead),
		finished: make(chan *Batch[In, Out], cfg.Window),
		out:      make(chan result[In, Out], cfg.Window+1),
		back:     make(chan *Batch[In, Out], cfg.Window),
		quit:     make(chan struct{}),
		exited:   make(chan struct{}),
		timer:    time.NewTimer(time.Hour)}
	s.timer.Stop()
	return s
}

// loop is the dispatcher: it runs until the stream ends or the caller
// stops, then waits for every dispatched batch.
func (s *state[In, Out]) loop() {
	defer close(s.exited)
	defer s.join()
	defer s.timer.Stop()
	defer close(s.out)
	for {
		if s.ctx.Err() != nil {
			return
		}
		s.handOver()
		s.sendReady()
		if s.drained && len(s.pending) == 0 && (len(s.ready) == 0 || s.failed != nil) {
			if s.failed != nil {
				s.out <- result[In, Out]{err: s.failed}
			}
			return
		}
		if !s.wait() {
			return
		}
	}
}

// taken is a sealed fill and how many inputs it holds.
type taken[In any] struct {
	c *fill[In]
	n int
}

// wait waits for the next event and handles it. It reports false if the
// caller stopped.
func (s *state[In, Out]) wait() bool {
	var started, done <-chan struct{}
	var full <-chan *fill[In]
	if !s.drained && s.failed == nil {
		started, done, full = s.feed.started, s.feed.done, s.feed.full
	}
	select {
	case b := <-s.finished:
		b.done = true
		s.sizer.Observe(b.Len(), b.took)
		s.feed.size.Store(int64(s.sizer.Size()))
	case b := <-s.back:
		s.held--
		s.feed.recycle(b.Ins)
		s.spare = append(s.spare, b)
	case c := <-full:
		s.ready = append(s.ready, taken[In]{c, len(c.ins)})
		s.restartTimer()
	case <-started:
		if len(s.pending)+s.held == 0 {
			s.take() // nothing runs: no reason to wait for more
		} else if !s.timing {
			s.timing = true
			s.timer.Reset(s.cfg.Target)
		}
	case <-s.timer.C:
		s.timing = false
		s.take()
	case <-done:
		s.take()
		s.drained = true
	case <-s.ctx.Done():
	case <-s.quit:
		return false
	}
	return true
}

// restartTimer stops the timer after a fill was taken: the next fill's
// first input starts it again.
func (s *state[In, Out]) restartTimer() {
	if s.timing {
		s.timer.Stop()
		s.timing = false
	}
}

// take seals the fill being gathered, if it holds anything, for dispatch,
// unless a dispatch failed: then nothing more goes out.
func (s *state[In, Out]) take() {
	s.restartTimer()
	if s.failed != nil {
		return
	}
	if c, n := s.feed.seal(); c != nil {
		s.ready = append(s.ready, taken[In]{c, n})
	}
}

// sendReady dispatches sealed fills while the window has room.
func (s *state[In, Out]) sendReady() {
	for len(s.ready) > 0 && len(s.pending)+s.held < s.cfg.Window && s.failed == nil {
		c, n := s.ready[0].c, s.ready[0].n
		s.ready[0] = taken[In]{}
		s.ready = s.ready[1:]
		b := s.batch(c.first, c.ins[:n])
		if err := s.dispatch(s.ctx, b); err != nil {
			s.failed = err
			s.feed.stop()
			s.drained = true
			s.ready = nil
			return
		}
		s.pending = append(s.pending, b)
	}
}

// batch returns a batch for ins, starting at input first, reusing a
// yielded one's outputs where it can.
func (s *state[In, Out]) batch(first int, ins []In) *Batch[In, Out] {
	n := len(ins)
	b := &Batch[In, Out]{First: first, Ins: ins, finished: s.finished}
	if k := len(s.spare); k > 0 {
		old := s.spare[k-1]
		s.spare[k-1] = nil
		s.spare = s.spare[:k-1]
		if cap(old.Outs) >= n {
			b.Outs, b.Errs = old.Outs[:n], old.Errs[:n]
			return b
		}
	}
	b.Outs, b.Errs = make([]Out, n), make([]error, n)
	return b
}

// handOver gives the caller the finished batches: those at the head, in
// order, or every finished one with Unordered.
func (s *state[In, Out]) handOver() {
	for i := 0; i < len(s.pending); {
		b := s.pending[i]
		if !b.done {
			if !s.cfg.Unordered {
				return
			}
			i++
			continue
		}
		s.pending = slices.Delete(s.pending, i, i+1)
		s.held++
		s.out <- result[In, Out]{b: b}
	}
}

// emit yields the outputs of b and lets go of them, then makes room for
// the feeder. It runs on the caller's goroutine.
func (s *state[In, Out]) emit(b *Batch[In, Out], yield func(int, Out, error) bool) bool {
	defer b.clear()
	for i := range b.Ins {
		if !yield(b.First+i, b.Outs[i], b.Errs[i]) {
			return false
		}
	}
	s.yielded += int64(b.Len())
	s.feed.consumed(s.yielded)
	return true
}

// join waits for every dispatched batch to finish.
func (s *state[In, Out]) join() {
	for _, b := range s.pending {
		for !b.done {
			d := <-s.finished
			d.done = true
		}
	}
	s.pending = nil
}
