package procpool

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

var (
	// ErrWorkerDied is matched (with errors.Is) by the error of every input
	// that was running on a worker process when it died: a signal, os.Exit,
	// a fatal runtime error, an OOM kill, or a worker that stopped answering
	// (see [Liveness]). The error is a *WorkerError with the details. The
	// pool replaces the worker and goes on.
	ErrWorkerDied = errors.New("procpool: worker died")

	// ErrPoisonTask is matched by the error of an input that has killed
	// as many workers as the PoisonAfter option allows; it is not retried
	// again. The error is a *PoisonError.
	ErrPoisonTask = errors.New("procpool: input killed too many workers")

	// ErrKilled is matched by the error of an input whose worker was
	// killed because the input did not return within the kill grace after
	// its Timeout passed. Such an error also matches
	// context.DeadlineExceeded.
	ErrKilled = errors.New("procpool: worker killed")

	// ErrStart is matched by errors of workers that could not be started:
	// the command failed, the handshake failed (a program that does not
	// call Main, another protocol version or build, a task it lacks), or
	// the initializer failed. Queued inputs fail with it when no worker can
	// be started at all.
	ErrStart = errors.New("procpool: worker did not start")

	// ErrEncode is matched by the error of an input that cannot cross to
	// a worker, or whose output cannot cross back: gob cannot encode it, it
	// points back to itself, or it exceeds the MaxMessage limit. Such an
	// input fails on its own; no worker dies for it.
	ErrEncode = errors.New("procpool: value cannot cross to or from a worker")
)

// encodeFailure returns the error of a value that cannot cross.
func encodeFailure(err error) error {
	return fmt.Errorf("%w: %w", ErrEncode, err)
}

// WorkerError describes a worker process that died, was killed, or failed
// to start.
type WorkerError struct {
	Kind     error     // ErrWorkerDied, ErrKilled or ErrStart
	Slot     int       // which of the pool's workers
	PID      int       // the worker's process ID (on Host)
	Host     string    // the host it ran on, if not this machine
	ExitCode int       // the exit code, or -1 if it was killed by a signal or has not ended
	Signal   os.Signal // the signal that ended it, or nil
	Status   string    // how it ended, as text: "exit status 2", "signal: killed", ...
	Reason   string    // what the pool saw: "the input ignored its cancelled context for 1s", ...
	Stderr   []string  // its last lines of stderr
	Err      error     // the underlying cause, if any (a handshake or pipe error)
	Cause    error     // for ErrKilled: context.DeadlineExceeded
}

// Error reads like "procpool: worker died (pid 1234, worker 0, signal:
// killed): ...; last stderr lines: ...".
func (e *WorkerError) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	b.WriteString(" (")
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

// PoisonError is the error of an input that was running on PoisonAfter
// workers that died; it matches [ErrPoisonTask] and the last death's
// [*WorkerError].
type PoisonError struct {
	Deaths int   // workers that died running the input
	Last   error // the last death
}

// Error says how many workers the input took down, and the last death.
func (e *PoisonError) Error() string {
	return fmt.Sprintf("%v: it was running on %d workers that died; the last: %v", ErrPoisonTask, e.Deaths, e.Last)
}

// Unwrap returns ErrPoisonTask and the last death.
func (e *PoisonError) Unwrap() []error { return []error{ErrPoisonTask, e.Last} }
