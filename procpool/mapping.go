package procpool

import (
	"context"
	"iter"
	"sync"
	"time"

	"github.com/poolkit/poolkit/internal/stream"
	"github.com/poolkit/poolkit/pool"
)

// Batching: a batch aims to take batchTarget to run, and holds at most
// maxBatch inputs; at most batchWindow batches per worker are in flight.
const (
	batchTarget = 2 * time.Millisecond
	maxBatch    = 4096
	batchWindow = 4
)

// mapSlice is Map: it sends ins in batches that write their outputs
// straight into the result, in any order, and stops at the first failure.
func mapSlice[In, Out any](p *Pool[In, Out], ctx context.Context, ins []In) ([]Out, error) {
	if len(ins) == 0 {
		p.mu.Lock()
		defer p.mu.Unlock()
		if err := p.refusal(context.Background(), false); err != nil {
			return nil, err
		}
		return []Out{}, nil
	}
	if err := p.beginCall(ctx); err != nil {
		return nil, err
	}
	defer p.jobDone()
	window := batchWindow * p.cfg.total()
	m := newMapping[Out](ctx, len(ins), window)
	defer m.cancel(nil)
	sz := stream.NewSizer(maxBatch, batchTarget)
	if p.cfg.batch > 0 {
		sz = stream.FixedSizer(p.cfg.batch)
	}
	inflight, next := 0, 0
	for {
		for inflight < window && next < len(ins) && !m.stopped() {
			n := min(sz.Size(), len(ins)-next)
			j := newJob(p, m.ctx, ins[next:next+n], &sliceSink[Out]{m: m, lo: next})
			r := j.request(nil)
			if err := p.enqueue(m.ctx, r, true, true); err != nil {
				j.abandon(r)
				if err == pool.ErrShutdownCancel {
					m.drop() // after CancelQueued; if Shutdown gave up, the workers are killed anyway
				} else {
					m.fail(-1, err)
				}
				break
			}
			j.watch()
			inflight, next = inflight+1, next+n
		}
		if inflight == 0 {
			return m.result(ctx, next == len(ins))
		}
		d := <-m.finished
		inflight--
		sz.Observe(d.n, d.took)
	}
}

// mapping is one call of Map.
type mapping[Out any] struct {
	outs     []Out
	ctx      context.Context
	cancel   context.CancelCauseFunc
	finished chan batchDone

	mu      sync.Mutex
	failAt  int // the failed input; -1 for a failure of none
	failErr error
	dropped bool // CancelQueued settled some of its inputs unrun
}

// batchDone reports a finished batch: how many inputs, and how long the
// worker took.
type batchDone struct {
	n    int
	took time.Duration
}

func newMapping[Out any](ctx context.Context, n, window int) *mapping[Out] {
	m := &mapping[Out]{outs: make([]Out, n), finished: make(chan batchDone, window)}
	m.ctx, m.cancel = context.WithCancelCause(ctx)
	return m
}

// fail records the failure of input i (-1 for none) and stops the
// mapping, cancelling the inputs in flight with err as the cause. Only
// the first failure counts: later ones are mostly inputs that saw the
// cancellation the first one caused.
func (m *mapping[Out]) fail(i int, err error) {
	m.mu.Lock()
	first := m.failErr == nil
	if first {
		m.failAt, m.failErr = i, err
	}
	m.mu.Unlock()
	if first {
		m.cancel(err)
	}
}

// drop records that inputs of the mapping were settled unrun by
// CancelQueued: the mapping sends nothing more, and returns
// ErrShutdownCancel unless another failure came first.
func (m *mapping[Out]) drop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dropped = true
}

func (m *mapping[Out]) stopped() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ctx.Err() != nil || m.dropped
}

// result returns what Map returns; sent is whether every input was sent.
func (m *mapping[Out]) result(parent context.Context, sent bool) ([]Out, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.failErr == nil && m.dropped:
		return nil, pool.ErrShutdownCancel
	case m.failErr == nil && sent:
		return m.outs, nil
	case m.failErr == nil: // stopped before it sent everything: its context ended
		return nil, context.Cause(m.ctx)
	case parent.Err() != nil:
		return nil, parent.Err()
	case m.failAt < 0:
		return nil, m.failErr
	}
	return nil, &pool.TaskError{Index: m.failAt, Err: m.failErr}
}

// sliceSink is the sink of a batch of Map: outputs go into the result.
type sliceSink[Out any] struct {
	m  *mapping[Out]
	lo int // the batch's first input in Map's input
	n  int
}

func (s *sliceSink[Out]) locked() bool { return true }

func (s *sliceSink[Out]) put(i int, out Out, err error) {
	s.n++
	switch {
	case err == pool.ErrShutdownCancel:
		s.m.drop() // CancelQueued: the inputs that run go on
	case err != nil:
		s.m.fail(s.lo+i, err)
	default:
		s.m.outs[s.lo+i] = out
	}
}

func (s *sliceSink[Out]) finish(took time.Duration) {
	s.m.finished <- batchDone{n: s.n, took: took}
}

// runStream runs ins through the workers for MapSeq and MapUnordered,
// wrapping each failed input's error in a TaskError.
func runStream[In, Out any](p *Pool[In, Out], ctx context.Context, ins iter.Seq[In], unordered bool, yield func(int, Out, error) bool) {
	if p.isClosed() { // ErrClosed first, as for Submit and Map
		var zero Out
		yield(-1, zero, pool.ErrClosed)
		return
	}
	cfg := stream.Config{Window: batchWindow * p.cfg.total(), MaxBatch: maxBatch, Target: batchTarget,
		Batch: p.cfg.batch, ReadAhead: p.cfg.readAhead, Unordered: unordered}
	stream.Run(ctx, ins, cfg, dispatcher(p), func(i int, out Out, err error) bool {
		if err != nil && i >= 0 {
			err = &pool.TaskError{Index: i, Err: err}
		}
		return yield(i, out, err)
	})
}

// dispatcher returns the stream's Dispatch for p: each batch goes as one
// job.
func dispatcher[In, Out any](p *Pool[In, Out]) stream.Dispatch[In, Out] {
	return func(ctx context.Context, b *stream.Batch[In, Out]) error {
		j := newJob(p, ctx, b.Ins, &batchSink[In, Out]{b: b})
		r := j.request(nil)
		if err := p.enqueue(ctx, r, true, false); err != nil {
			j.abandon(r)
			return err
		}
		j.watch()
		return nil
	}
}

// batchSink is the sink of a MapSeq batch.
type batchSink[In, Out any] struct {
	b *stream.Batch[In, Out]
}

func (s *batchSink[In, Out]) locked() bool { return true }

func (s *batchSink[In, Out]) put(i int, out Out, err error) {
	s.b.Outs[i], s.b.Errs[i] = out, err
}

func (s *batchSink[In, Out]) finish(took time.Duration) { s.b.Finish(took) }
