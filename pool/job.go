package pool

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/internal/guard"
)

// job is one submitted task. It is its future's promise and its task's
// context at once, so Submit allocates it and nothing else.
type job[In, Out any] struct {
	future.Promise[Out]
	p      *Pool[In, Out]
	parent context.Context
	in     In

	unlink   func() bool  // stops the link to parent's cancellation; nil if none
	link     atomic.Int32 // linkPending until the queue has answered Submit
	deadline time.Time    // set when the Timeout option is; zero otherwise
	timer    *time.Timer
}

// The states of a job's link to its context: until the queue has answered
// Submit, a context that ends leaves the answer to Submit (linkEnded), so
// that a refused job settles with the queue's error and never with the
// context's.
const (
	linkPending int32 = iota
	linkQueued
	linkEnded
)

// newJob returns a job for in that settles as soon as ctx ends. The link to
// ctx is made before the job is queued, so a worker never races it; a
// context that has already ended gets none, as the queue refuses the job.
func newJob[In, Out any](p *Pool[In, Out], ctx context.Context, in In) *job[In, Out] {
	j := &job[In, Out]{p: p, parent: ctx, in: in}
	if ctx.Done() != nil && ctx.Err() == nil {
		j.unlink = context.AfterFunc(ctx, func() {
			if !j.link.CompareAndSwap(linkPending, linkEnded) {
				j.settleErr(ctx.Err())
			}
		})
	}
	return j
}

// queued finishes a Submit with the queue's answer err: a job refused
// settles with err, and one accepted while its context ended settles with
// the context's error.
func (j *job[In, Out]) queued(err error) error {
	if err != nil {
		j.reject(err)
		return err
	}
	if j.unlink != nil && !j.link.CompareAndSwap(linkPending, linkQueued) {
		j.settleErr(j.parent.Err())
	}
	return nil
}

// reject settles a job that could not be queued.
func (j *job[In, Out]) reject(err error) {
	j.p.queuedJobs.Add(-1)
	j.release()
	j.settleErr(err)
}

// settleErr settles j with err and reports whether it did.
func (j *job[In, Out]) settleErr(err error) bool {
	var zero Out
	return j.Settle(zero, err)
}

// release drops the links that could outlive the task.
func (j *job[In, Out]) release() {
	if j.unlink != nil {
		j.unlink()
	}
	if j.timer != nil {
		j.timer.Stop()
	}
}

func (j *job[In, Out]) run(w *worker[In, Out]) {
	p := j.p
	p.queuedJobs.Add(-1)
	if p.cfg.limit != nil && !j.admit(w) {
		return
	}
	if !j.Start() { // cancelled while queued
		w.count(nil, true)
		j.release()
		return
	}
	if p.cfg.timeout > 0 {
		j.deadline = time.Now().Add(p.cfg.timeout)
		j.timer = time.AfterFunc(p.cfg.timeout, func() { j.settleErr(context.DeadlineExceeded) })
	}
	var (
		out Out
		err error
	)
	value, stack, panicked := guard.Call(func() { out, err = p.fn(j, j.in) }, func() {
		j.finish(w, out, ErrGoexit)
		w.replace(nil)
	})
	if panicked {
		err = &PanicError{Value: value, Stack: stack}
	}
	j.finish(w, out, err)
}

// admit makes w hold the slots of the shared limit that j's input costs,
// before j starts and its Timeout begins. It reports false if j settled
// instead: its cost failed it, or it was cancelled while it waited.
func (j *job[In, Out]) admit(w *worker[In, Out]) bool {
	var (
		cost int64
		err  error
		zero Out
	)
	value, stack, panicked := guard.Call(func() { cost, err = j.p.costOf(j.in) }, func() {
		j.finish(w, zero, ErrGoexit)
		w.replace(nil)
	})
	if panicked {
		err = &PanicError{Value: value, Stack: stack}
	}
	if err != nil {
		j.finish(w, zero, err)
		return false
	}
	if err := w.slot.enter(j, cost); err != nil {
		j.settleErr(err) // a no-op unless CancelQueued ended the wait
		w.count(nil, true)
		j.release()
		return false
	}
	return true
}

// finish settles j with the task's result and lets go of its input: the
// caller's future must not keep it alive.
func (j *job[In, Out]) finish(w *worker[In, Out], out Out, err error) {
	w.settle(j, out, err)
	j.release()
	var zero In
	j.in = zero
}

// settle settles j with the task's result, counted first: once a caller
// has the result, Stats includes it.
func (w *worker[In, Out]) settle(j *job[In, Out], out Out, err error) {
	cancelled := j.Future().Settled()
	w.count(err, cancelled)
	if !cancelled && !j.Settle(out, err) { // cancelled in between
		w.uncount(err)
		w.count(nil, true)
	}
}

func (j *job[In, Out]) drop(w *worker[In, Out], err error) {
	j.p.queuedJobs.Add(-1)
	j.settleErr(err)
	j.release()
	w.count(err, false)
	var zero In
	j.in = zero
}

func (j *job[In, Out]) interrupt(err error) {
	j.settleErr(err)
}
