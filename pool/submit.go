package pool

import (
	"context"

	"github.com/poolkit/poolkit/future"
)

// Submit schedules fn(ctx, in) and returns its future. It blocks while the
// queue is full, until there is room, ctx ends, or the pool shuts down; a
// task that could not be queued is returned already settled with ctx's error
// or [ErrClosed]. Submit is safe for concurrent use.
//
// ctx is also the parent of the task's context: when it ends, a queued task
// settles with its error without running, and a running task sees its
// context cancelled and its future settles with ctx's error at once.
func (p *Pool[In, Out]) Submit(ctx context.Context, in In) *future.Future[Out] {
	j := newJob(p, ctx, in)
	p.queuedJobs.Add(1)
	_ = j.queued(p.queue.Send(ctx, j, true))
	return j.Future()
}

// TrySubmit is Submit without waiting: if the queue has no room it returns
// nil and [ErrQueueFull], and after Shutdown nil and [ErrClosed]. It never
// blocks and is safe for concurrent use.
func (p *Pool[In, Out]) TrySubmit(ctx context.Context, in In) (*future.Future[Out], error) {
	j := newJob(p, ctx, in)
	p.queuedJobs.Add(1)
	if err := j.queued(p.queue.Send(ctx, j, false)); err != nil {
		return nil, err
	}
	return j.Future(), nil
}
