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

// Err is nil until Done is closed; then it is the parent's error if the
// parent ended, context.DeadlineExceeded if the task timed out, and
// context.Canceled otherwise.
func (j *job[In, Out]) Err() error {
	f := j.Future()
	if !f.Settled() {
		return nil
	}
	if err := j.parent.Err(); err != nil {
		return err
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
