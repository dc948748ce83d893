package pooltest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Op says what [Task] does with an [Input].
type Op uint8

const (
	// Square returns N*N.
	Square Op = iota
	// Fail returns an error that wraps [ErrSentinel] with %w.
	Fail
	// FailTyped returns an [*Error] with Code N, wrapped with %w.
	FailTyped
	// FailJoined returns errors.Join of [ErrSentinel] and an [*Error].
	FailJoined
	// PanicText panics with a string.
	PanicText
	// PanicError panics with an [*Error] that wraps [ErrSentinel].
	PanicError
	// Goexit calls runtime.Goexit, as t.FailNow does.
	Goexit
	// Block reports to the gate at Addr that it started, then waits until
	// the gate releases it (returning N*N) or its context ends (reporting
	// that to the gate and returning context.Cause of its context).
	Block
	// Hang reports to the gate that it started and then ignores its
	// context: it returns only when the gate releases it or, failing that,
	// after a minute.
	Hang
	// Deadline reports the deadline of its context to the gate and returns
	// it in Output.Deadline (zero for none).
	Deadline
	// CtxValue returns the value its context holds for [CtxKey] in
	// Output.Text, or "" if it holds none.
	CtxValue
	// ReadGlobal returns [Global] in Output.N.
	ReadGlobal
	// Record reports to the gate that it ran and returns N*N.
	Record
	// FailOpaque returns an error of a type no engine is told about.
	FailOpaque
	// PanicOpaque panics with a value gob cannot encode.
	PanicOpaque
	// Mutate, given to [PointerTask], sets the input's N to its negation
	// through the pointer and returns N*N.
	Mutate
	// BlockFail is Block, except that a released input fails as FailTyped
	// does: a failure whose moment the scenario chooses.
	BlockFail
)

// Input is the input of [Task]: what to do, and with what.
type Input struct {
	Op   Op
	N    int
	Addr string // the gate's address, for the ops that report to one
}

// Output is the output of [Task].
type Output struct {
	N        int
	Deadline time.Time
	Text     string
}

// ErrSentinel is the sentinel error the failing ops wrap. An engine that
// runs tasks in another process must let errors.Is find it on the other
// side, for example by registering it.
var ErrSentinel = errors.New("pooltest: sentinel error")

// Error is the error type the failing ops return. An engine that runs
// tasks in another process must let errors.As find it, with its Code, on
// the other side.
type Error struct {
	Code int
}

// Error returns "pooltest: error <Code>".
func (e *Error) Error() string { return fmt.Sprintf("pooltest: error %d", e.Code) }

// Unwrap returns [ErrSentinel], so a panic with an *Error is also found by
// errors.Is(err, ErrSentinel).
func (e *Error) Unwrap() error { return ErrSentinel }

// ctxKey is the type of [CtxKey].
type ctxKey struct{}

// CtxKey is the context key the CtxValue op reads.
var CtxKey ctxKey

// Global is read by the ReadGlobal op. A test sets it before it creates an
// executor, as a program sets a global from its flags in main.
var Global int

// Task is the one task every scenario runs; what it does follows its
// input's Op. Register it with an engine that needs tasks registered, as
// procpool does, in a package-level var of the test package.
func Task(ctx context.Context, in Input) (Output, error) {
	switch in.Op {
	case Square:
		return Output{N: in.N * in.N}, nil
	case Fail:
		return Output{}, fmt.Errorf("input %d: %w", in.N, ErrSentinel)
	case FailTyped:
		return Output{}, fmt.Errorf("input %d: %w", in.N, &Error{Code: in.N})
	case FailJoined:
		return Output{}, errors.Join(ErrSentinel, &Error{Code: in.N})
	case PanicText:
		panic(fmt.Sprintf("pooltest: panic %d", in.N))
	case PanicError:
		panic(&Error{Code: in.N})
	case Goexit:
		runtime.Goexit()
	case Block, Hang, BlockFail:
		return block(ctx, in)
	case Deadline:
		d, _ := ctx.Deadline()
		report(in, "deadline "+d.Format(time.RFC3339Nano))
		return Output{Deadline: d}, nil
	case CtxValue:
		s, _ := ctx.Value(CtxKey).(string)
		return Output{Text: s}, nil
	case ReadGlobal:
		return Output{N: Global}, nil
	case Record:
		report(in, "ran")
		return Output{N: in.N * in.N}, nil
	case FailOpaque:
		return Output{}, fmt.Errorf("input %d: %w", in.N, &opaqueError{"opaque"})
	case PanicOpaque:
		panic(opaque{f: func() {}})
	}
	return Output{}, fmt.Errorf("pooltest: unknown op %d", in.Op)
}

// PointerTask is Task with pointer input and output, for the scenarios of
// values that hold no value: a nil input returns Output{N: -1}, and an
// input whose N is negative returns a nil output, with its op's error if
// it has one.
func PointerTask(ctx context.Context, in *Input) (*Output, error) {
	if in == nil {
		return &Output{N: -1}, nil
	}
	if in.Op == Mutate {
		n := in.N
		in.N = -n
		return &Output{N: n * n}, nil
	}
	out, err := Task(ctx, *in)
	if in.N < 0 {
		return nil, err
	}
	return &out, err
}
