package stream

import (
	"context"
	"errors"
	"iter"
	"time"
)

// Config bounds a stream.
type Config struct {
	// Window is how many batches may be dispatched and not yet yielded.
	Window int
	// MaxBatch is the most inputs in one batch.
	MaxBatch int
	// Target is how long a batch should take to run; the batch size follows
	// from it and the measured time per input.
	Target time.Duration
}

// Dispatch hands b to a worker, which runs its inputs with ctx and calls
// b.Finish. It returns an error if b could not be handed over; b is then
// not finished. It may block.
type Dispatch[In, Out any] func(ctx context.Context, b *Batch[In, Out]) error

// ErrStopped is the cause with which a stream cancels the work in flight
// when the consumer stops early.
var ErrStopped = errors.New("stream: consumer stopped early")

// Run feeds ins through dispatch in batches and calls yield for each output
// in input order with the input's index, at most Window batches ahead of the
// consumer. It stops when ins is exhausted and every output yielded, when
// yield returns false, when dispatch fails, or when ctx ends; the last two
// yield the error once with index -1. Before returning, Run cancels the
// context it gave dispatch and waits until every dispatched batch has
// finished, so nothing it started outlives it.
func Run[In, Out any](ctx context.Context, ins iter.Seq[In], cfg Config, dispatch Dispatch[In, Out], yield func(i int, out Out, err error) bool) {
	ctx, cancel := context.WithCancelCause(ctx)
	s := &state[In, Out]{
		ctx:      ctx,
		cfg:      cfg,
		dispatch: dispatch,
		yield:    yield,
		sizer:    NewSizer(cfg.MaxBatch, cfg.Target),
	}
	defer func() {
		cancel(ErrStopped)
		s.join()
	}()
	if s.feed(ins) {
		s.drain(true)
	}
}

// state is one run of a stream.
type state[In, Out any] struct {
	ctx      context.Context
	cfg      Config
	dispatch Dispatch[In, Out]
	yield    func(int, Out, error) bool
	sizer    Sizer

	next    int               // index of the next input
	pending []*Batch[In, Out] // dispatched, not yet yielded, in order
	free    []*Batch[In, Out] // yielded, for reuse
	cur     *Batch[In, Out]   // being filled
	started time.Time         // when cur got its first input
}

// ageCheck is how many inputs go by between looks at the clock.
const ageCheck = 16

// feed reads ins into batches and dispatches each when it is full, or when
// it has waited Target for a slow producer. It reports false if the stream
// must stop.
func (s *state[In, Out]) feed(ins iter.Seq[In]) bool {
	for in := range ins {
		if s.cur == nil {
			s.cur = s.batch()
			s.started = time.Now()
		}
		s.cur.add(in)
		s.next++
		n := s.cur.Len()
		if n < s.sizer.size && (n%ageCheck != 0 || time.Since(s.started) < s.cfg.Target) {
			continue
		}
		if !s.send() || !s.drain(false) {
			return false
		}
	}
	return s.cur == nil || s.send()
}

// batch returns an empty batch starting at the next input.
func (s *state[In, Out]) batch() *Batch[In, Out] {
	var b *Batch[In, Out]
	if n := len(s.free); n > 0 {
		b, s.free = s.free[n-1], s.free[:n-1]
	} else {
		b = &Batch[In, Out]{done: make(chan struct{}, 1)}
	}
	b.reset(s.next)
	return b
}

// send dispatches the current batch.
func (s *state[In, Out]) send() bool {
	b := s.cur
	s.cur = nil
	err := context.Cause(s.ctx)
	if err == nil {
		err = s.dispatch(s.ctx, b)
	}
	if err != nil {
		// Yield what was dispatched before, then the error.
		if s.drain(true) {
			var zero Out
			s.yield(-1, zero, err)
		}
		return false
	}
	s.pending = append(s.pending, b)
	return true
}

// drain yields finished batches in order. It waits for the oldest batch when
// all is set or the window is full, and otherwise takes only what is ready.
func (s *state[In, Out]) drain(all bool) bool {
	for len(s.pending) > 0 {
		head := s.pending[0]
		if all || len(s.pending) >= s.cfg.Window {
			select {
			case <-head.done:
			case <-s.ctx.Done():
				var zero Out
				s.yield(-1, zero, context.Cause(s.ctx))
				return false
			}
		} else {
			select {
			case <-head.done:
			default:
				return true
			}
		}
		s.pending = s.pending[1:]
		s.sizer.Observe(head.Len(), head.took)
		ok := s.emit(head)
		s.free = append(s.free, head)
		if !ok {
			return false
		}
	}
	return true
}

// emit yields the outputs of b.
func (s *state[In, Out]) emit(b *Batch[In, Out]) bool {
	for i := range b.Ins {
		if !s.yield(b.First+i, b.Outs[i], b.Errs[i]) {
			return false
		}
	}
	return true
}

// join waits for every dispatched batch to finish.
func (s *state[In, Out]) join() {
	for _, b := range s.pending {
		<-b.done
	}
	s.pending = nil
}
