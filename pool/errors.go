package pool

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
)

var (
	// ErrClosed settles tasks submitted after Shutdown or Close began.
	ErrClosed = errors.New("pool: executor is shut down")

	// ErrQueueFull is returned by TrySubmit when the queue has no room.
	ErrQueueFull = errors.New("pool: queue is full")

	// ErrGoexit settles a task that called runtime.Goexit (for example
	// through t.FailNow) instead of returning. The pool replaces the worker
	// goroutine that exited.
	ErrGoexit = errors.New("pool: task called runtime.Goexit")

	// ErrShutdownCancel settles the tasks that Shutdown cancelled because
	// its context ended before they finished. It satisfies both
	// errors.Is(err, context.Canceled) and errors.Is(err, ErrClosed).
	ErrShutdownCancel error = shutdownCancel{}
)

// shutdownCancel is the type of ErrShutdownCancel: a cancellation that is
// also the executor being shut down.
type shutdownCancel struct{}

func (shutdownCancel) Error() string   { return "pool: cancelled by Shutdown" }
func (shutdownCancel) Unwrap() []error { return []error{context.Canceled, ErrClosed} }

// PanicError is the error of a task that panicked. The pool recovers the
// panic, settles the task with a *PanicError, and goes on.
type PanicError struct {
	// Value is what the task passed to panic. For a task that panicked in a
	// child process it is the panic value's text.
	Value any
	// Stack is the panicking goroutine's stack trace.
	Stack []byte
}

// NewPanicError returns a PanicError for value with the current goroutine's
// stack. Call it from the deferred function that recovered the panic.
func NewPanicError(value any) *PanicError {
	return &PanicError{Value: value, Stack: debug.Stack()}
}

// Error returns "pool: task panicked: " followed by the panic value.
func (e *PanicError) Error() string {
	return fmt.Sprintf("pool: task panicked: %v", e.Value)
}

// Unwrap returns the panic value if it is an error, so errors.Is and
// errors.As see through the panic.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// TaskError is the error Map returns, and MapSeq yields, for a failed input.
type TaskError struct {
	// Index is the failed input's position in the input.
	Index int
	// Err is the task's own error.
	Err error
}

// Error returns "pool: input <Index>: " followed by the task's error.
func (e *TaskError) Error() string {
	return fmt.Sprintf("pool: input %d: %v", e.Index, e.Err)
}

// Unwrap returns the task's own error.
func (e *TaskError) Unwrap() error {
	return e.Err
}
