package procpool

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/poolkit/poolkit/internal/wire"
)

var (
	// ErrWorkerDied is matched (with errors.Is) by the error of every input
	// that was running on a worker process when it died: a signal, os.Exit,
	// a fatal runtime error, an OOM kill. The error is a *WorkerError with
	// the details. The pool replaces the worker and goes on.
	ErrWorkerDied = errors.New("procpool: worker died")

	// ErrPoisonTask is matched by the error of an input that has killed
	// as many workers as the PoisonAfter option allows; it is not retried
	// again.
	ErrPoisonTask = errors.New("procpool: input killed too many workers")

	// ErrKilled is matched by the error of an input whose worker was
	// killed because the input did not return within the kill grace after
	// it was cancelled or timed out. Such an error also matches
	// context.Canceled or context.DeadlineExceeded, whichever applied.
	ErrKilled = errors.New("procpool: worker killed")

	// ErrStart is matched by errors of workers that could not be started:
	// the command failed, the handshake failed (a program that does not
	// call Main, another protocol version, a task it lacks), or the
	// initializer failed. Queued inputs fail with it when no worker can
	// be started.
	ErrStart = errors.New("procpool: worker did not start")

	// ErrEncode is matched by the error of an input that cannot be sent to
	// a worker: gob cannot encode it, or it exceeds the MaxMessage limit.
	// Such an input fails at once and never reaches a worker.
	ErrEncode = errors.New("procpool: input cannot be sent to a worker")
)

// encodeError returns the error of an input that cannot be encoded.
func encodeError(err error) error {
	return fmt.Errorf("%w: %w", ErrEncode, err)
}

// WorkerError describes a worker process that died or failed to start.
type WorkerError struct {
	Kind   error  // ErrWorkerDied, ErrKilled or ErrStart
	Slot   int    // which of the pool's workers
	PID    int    // the worker's process ID (on Host)
	Host   string // where it ran; empty before the handshake
	Status string // how it ended: "exit status 2", "signal: killed", ...
	Reason string // what the pool saw: "task ignored cancellation for 1s", ...
	Stderr []string
	Err    error // the underlying cause, if any (a handshake or pipe error)
	Cause  error // for ErrKilled: context.Canceled or context.DeadlineExceeded
}

// Error reads like "procpool: worker died (pid 1234, signal: killed): ...".
func (e *WorkerError) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	fmt.Fprintf(&b, " (")
	if e.PID != 0 {
		fmt.Fprintf(&b, "pid %d", e.PID)
		if e.Host != "" {
			fmt.Fprintf(&b, " on %s", e.Host)
		}
		b.WriteString(", ")
	}
	fmt.Fprintf(&b, "worker %d", e.Slot)
	if e.Status != "" {
		fmt.Fprintf(&b, ", %s", e.Status)
	}
	b.WriteString(")")
	if e.Reason != "" {
		fmt.Fprintf(&b, ": %s", e.Reason)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if len(e.Stderr) > 0 {
		fmt.Fprintf(&b, "; last stderr lines:\n\t%s", strings.Join(e.Stderr, "\n\t"))
	}
	return b.String()
}

// Unwrap returns the kind, the underlying error and, for kills, the
// context error, so errors.Is matches each.
func (e *WorkerError) Unwrap() []error {
	errs := []error{e.Kind}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}

// poisonError is the error of an input that killed too many workers.
type poisonError struct {
	kills int
	last  error
}

func (e *poisonError) Error() string {
	return fmt.Sprintf("%v: it was running on %d workers that died; the last: %v", ErrPoisonTask, e.kills, e.last)
}

func (e *poisonError) Unwrap() []error { return []error{ErrPoisonTask, e.last} }

// RemoteError is the error a task returned in a worker process. Its
// message is the worker's; errors.Is matches context.Canceled and
// context.DeadlineExceeded when the worker's error did.
type RemoteError struct {
	Message string
	ctxErr  error
}

func (e *RemoteError) Error() string { return e.Message }

// Unwrap returns context.Canceled or context.DeadlineExceeded if the
// worker's error matched one of them, and nil otherwise.
func (e *RemoteError) Unwrap() error { return e.ctxErr }

// remoteError returns the error for a task error of kind k from a worker.
func remoteError(kind wire.FailureKind, msg string) error {
	switch kind {
	case wire.Canceled:
		return &RemoteError{Message: msg, ctxErr: context.Canceled}
	case wire.DeadlineExceeded:
		return &RemoteError{Message: msg, ctxErr: context.DeadlineExceeded}
	}
	return &RemoteError{Message: msg}
}
