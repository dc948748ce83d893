package pool

import (
	"context"
	"iter"
	"time"

	"github.com/poolkit/poolkit/internal/guard"
	"github.com/poolkit/poolkit/internal/stream"
)

// MapSeq runs fn over ins on the pool's workers and yields the outputs in
// input order. ins is read on a goroutine of its own, so each output is
// yielded as soon as it and every earlier one are ready, whether or not ins
// has given more: an ins that pauses, or that waits for an output before it
// gives the next (a feedback loop), works. Inputs go to workers in batches
// sized from measured task time (one at a time for slow tasks, up to 1024
// for tiny ones; see [BatchSize]); an input waits at most 100µs for others
// to share its batch, and not at all when the workers are idle. At most
// two batches per worker are in flight or waiting to be yielded, and ins
// is read only while fewer than [ReadAhead] inputs are read and not yet
// yielded, so memory stays bounded however long ins is; an endless ins
// works.
//
// Each failed input yields the zero output and a [*TaskError] naming it,
// and the stream goes on. If ctx ends or the pool shuts down, MapSeq
// yields that error once and stops; begun after Shutdown, it yields
// [ErrClosed] once, whatever ctx and ins. Breaking out of the loop cancels
// the context of the tasks in flight and waits for them before the loop
// statement ends; no input is read after the break but the one being read
// (ins must be safe to read from another goroutine than the loop's).
func (p *Pool[In, Out]) MapSeq(ctx context.Context, ins iter.Seq[In]) iter.Seq2[Out, error] {
	return func(yield func(Out, error) bool) {
		p.runStream(ctx, ins, false, func(i int, out Out, err error) bool { return yield(out, err) })
	}
}

// MapUnordered is MapSeq in completion order, like Python's
// imap_unordered: it yields each input's Result, with its index, as soon as
// its batch finishes, so a slow input does not hold back those after it.
// Memory, batching, errors and breaking out work as in MapSeq.
func (p *Pool[In, Out]) MapUnordered(ctx context.Context, ins iter.Seq[In]) iter.Seq[Result[Out]] {
	return func(yield func(Result[Out]) bool) {
		p.runStream(ctx, ins, true, func(i int, out Out, err error) bool {
			return yield(Result[Out]{Index: i, Out: out, Err: err})
		})
	}
}

// runStream runs ins through the workers for MapSeq and MapUnordered,
// wrapping each failed input's error in a TaskError.
func (p *Pool[In, Out]) runStream(ctx context.Context, ins iter.Seq[In], unordered bool, yield func(int, Out, error) bool) {
	if err := p.checkOpen(); err != nil { // ErrClosed first, as for Submit and Map
		var zero Out
		yield(-1, zero, err)
		return
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	dispatch := func(ctx context.Context, b *stream.Batch[In, Out]) error {
		return p.dispatchBatch(&batchRun[In, Out]{p: p, ctx: ctx, cancel: cancel, b: b})
	}
	cfg := stream.Config{Window: 2 * p.cfg.workers, MaxBatch: 1024, Target: 100 * time.Microsecond,
		Batch: p.cfg.batch, ReadAhead: p.cfg.readAhead, Unordered: unordered}
	stream.Run(ctx, ins, cfg, dispatch, func(i int, out Out, err error) bool {
		if err != nil && i >= 0 {
			err = &TaskError{Index: i, Err: err}
		}
		return yield(i, out, err)
	})
}

// dispatchBatch queues r for the workers.
func (p *Pool[In, Out]) dispatchBatch(r *batchRun[In, Out]) error {
	n := int64(r.b.Len())
	p.queuedItems.Add(n)
	if err := p.queue.Send(r.ctx, r, true); err != nil {
		p.queuedItems.Add(-n)
		return err
	}
	return nil
}

// batchRun is a MapSeq batch in the queue.
type batchRun[In, Out any] struct {
	p      *Pool[In, Out]
	ctx    context.Context
	cancel context.CancelCauseFunc // cancels the whole MapSeq
	b      *stream.Batch[In, Out]
	pos    int       // next input to run
	start  time.Time // when the first input started
}

func (r *batchRun[In, Out]) run(w *worker[In, Out]) {
	if r.start.IsZero() {
		r.start = time.Now()
		r.p.queuedItems.Add(-int64(r.b.Len()))
	}
	for r.pos < r.b.Len() {
		r.runFrom(w)
	}
	r.b.Finish(time.Since(r.start))
}

// runFrom runs the inputs from r.pos on, up to a panic. If a task calls
// runtime.Goexit, a new goroutine resumes r and this one ends. Successes
// are counted once at the end, not one by one.
func (r *batchRun[In, Out]) runFrom(w *worker[In, Out]) {
	b := r.b
	ok := 0                     // inputs that returned a value, not yet counted
	failed := func(err error) { // the input at r.pos failed
		bump(&w.completed, uint64(ok))
		b.Errs[r.pos] = err
		w.count(err, false)
		r.pos++
	}
	value, stack, panicked := guard.Call(func() {
		limited := r.p.cfg.limit != nil
		for ; r.pos < b.Len(); r.pos++ {
			if r.ctx.Err() != nil || r.p.dropping.Load() {
				err := context.Cause(r.ctx)
				if err == nil {
					err = ErrShutdownCancel
				}
				b.Errs[r.pos] = err
				w.count(nil, true)
				continue
			}
			if limited {
				if err := r.enter(w); err != nil {
					b.Errs[r.pos] = err
					continue
				}
			}
			out, err := r.p.fn(r.ctx, b.Ins[r.pos])
			b.Outs[r.pos], b.Errs[r.pos] = out, err
			if err == nil {
				ok++
			} else {
				w.count(err, false)
			}
		}
		bump(&w.completed, uint64(ok))
	}, func() {
		failed(ErrGoexit)
		w.replace(r)
	})
	if panicked {
		failed(&PanicError{Value: value, Stack: stack})
	}
}

// enter makes w hold the slots of the shared limit that the input at
// r.pos costs. If it returns an error, the input has failed or been
// cancelled with it, and is counted.
func (r *batchRun[In, Out]) enter(w *worker[In, Out]) error {
	cost, err := r.p.costOf(r.b.Ins[r.pos])
	if err != nil {
		w.count(err, false)
		return err
	}
	if err := w.slot.enter(r.ctx, cost); err != nil {
		w.count(nil, true)
		return err
	}
	return nil
}

func (r *batchRun[In, Out]) drop(w *worker[In, Out], err error) {
	r.p.queuedItems.Add(-int64(r.b.Len()))
	for i := range r.b.Errs {
		r.b.Errs[i] = err
		w.count(err, true)
	}
	r.b.Finish(0)
}

// interrupt cancels the whole MapSeq the batch belongs to.
func (r *batchRun[In, Out]) interrupt(err error) {
	r.cancel(err)
}
