package pool

import (
	"context"
	"time"
)

// A job is the context its task runs with: its Done channel is the future's,
// so cancelling the future, the parent context ending, a timeout, Shutdown
// giving up, and the task returning all close it, and no context is
// allocated per task.

// Deadline returns the earlier of the parent's deadline and the task's
// timeout.
func (j *job[In, Out]) Deadline() (time.Time, bool) {
	d, ok := j.parent.Deadline()
	if !j.deadline.IsZero() && (!ok || j.deadline.Before(d)) {
		return j.deadline, true
	}
	return d, ok
}

// Done is closed when the task's future settles.
func (j *job[In, Out]) Done() <-chan struct{} {
	return j.Future().Done()
}

// Err is nil until Done is closed; then it says why the future settled,
// and never changes: context.DeadlineExceeded if the task timed out or the
// parent's deadline passed, context.Canceled otherwise (the parent was
// cancelled, the future was, Shutdown gave up, or the task returned).
func (j *job[In, Out]) Err() error {
	f := j.Future()
	if !f.Settled() {
		return nil
	}
	if f.Err() == context.DeadlineExceeded {
		return context.DeadlineExceeded
	}
	return context.Canceled
}

// Value returns the parent's value for key.
func (j *job[In, Out]) Value(key any) any {
	return j.parent.Value(key)
}

func (j *job[In, Out]) String() string {
	return "pool task context"
}
