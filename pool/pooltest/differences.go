package pooltest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/poolkit/poolkit/pool"
)

// The deliberate differences between an engine that runs tasks in its own
// address space and one that runs them in another process (Engine.Separate).
// Each is a scenario below, and nothing else may differ:
//
//  1. Context values: a task in another process sees none of the values of
//     the caller's context; its deadline and cancellation (with the cause)
//     do cross.
//  2. Globals: a task in another process sees the package variables as the
//     program's initialisation left them, not as main changed them later
//     (use an initializer, such as procpool's Init, to set them there).
//  3. Errors and panic values: those an engine was told about (with
//     procpool's RegisterError, for sentinels and types), context errors,
//     and panic values gob can encode as an interface, cross with their
//     identity;
//     any other error arrives as its message only, and any other panic
//     value as its text.
//  4. A task that ignores its context: on goroutines its future settles at
//     the cancellation or deadline and the goroutine runs on until the task
//     returns; in another process the process is killed after a grace
//     period, and with a per-input Timeout the future settles then, with an
//     error that matches context.DeadlineExceeded all the same. When
//     Shutdown gives up, goroutines see their context cancelled, while
//     processes are killed at once.
//  5. Values are copied: a task in another process gets a copy of its
//     input and the caller a copy of its output, encoded with
//     encoding/gob, so unexported fields arrive zero and pointers shared
//     between values are not shared after the trip.
var differenceScenarios = []scenario{
	{"Differences/ContextValues", ctxValues},
	{"Differences/GlobalsSetAfterStart", globals},
	{"Differences/UnregisteredErrorsAndPanicValues", unregistered},
	{"Differences/TaskThatIgnoresItsContext", ignoresCtx},
	{"Differences/ValuesAreCopied", copied},
}

func ctxValues(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	ctx := context.WithValue(bg(), CtxKey, "from the caller")
	out, err := result(t, ex.Submit(ctx, Input{Op: CtxValue}))
	must(t, err, "the CtxValue input")
	if e.Separate {
		wantEqual(t, out.Text, "", "a context value seen in another process")
	} else {
		wantEqual(t, out.Text, "from the caller", "the context value the task saw")
	}
}

// globalSet keeps the scenarios that set Global from overlapping.
var globalSet = make(chan struct{}, 1)

func globals(t *testing.T, e Engine) {
	globalSet <- struct{}{}
	defer func() { <-globalSet }()
	Global = 42
	defer func() { Global = 0 }()
	ex, _ := open(t, e, Config{Workers: 1})
	out, err := result(t, ex.Submit(bg(), Input{Op: ReadGlobal}))
	must(t, err, "the ReadGlobal input")
	if e.Separate {
		wantEqual(t, out.N, 0, "a global set after start, seen in another process")
	} else {
		wantEqual(t, out.N, 42, "the global the task saw")
	}
}

// opaqueError is an error type no engine is told about.
type opaqueError struct{ msg string }

func (e *opaqueError) Error() string { return e.msg }

// opaque is a panic value gob cannot encode.
type opaque struct{ f func() }

func (opaque) String() string { return "an opaque panic value" }

func unregistered(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	_, err := result(t, ex.Submit(bg(), Input{Op: FailOpaque}))
	wantEqual(t, errText(err), "input 0: opaque", "the message of an unregistered error")
	var oe *opaqueError
	wantEqual(t, errors.As(err, &oe), !e.Separate, "whether errors.As finds an unregistered error type")
	_, err = result(t, ex.Submit(bg(), Input{Op: PanicOpaque}))
	if pe := wantAs[*pool.PanicError](t, err, "a panic with a value gob cannot encode"); pe != nil {
		if e.Separate {
			wantEqual(t, pe.Value, any("an opaque panic value"), "the panic value's text")
		} else {
			_, ok := pe.Value.(opaque)
			want(t, ok, "the panic value is %#v, want the opaque value", pe.Value)
		}
	}
}

func ignoresCtx(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1, Timeout: 100 * time.Millisecond})
	_, err := result(t, ex.Submit(bg(), g.Input(Hang, 0)))
	wantIs(t, err, context.DeadlineExceeded, "an input that ignored its context past its Timeout")
	g.Release(0)
	out, err := result(t, ex.Submit(bg(), Input{Op: Square, N: 6}))
	must(t, err, "the executor goes on")
	wantEqual(t, out.N, 36, "output after an input that ignored its context")
}

func copied(t *testing.T, e Engine) {
	ex := openPointer(t, e, Config{Workers: 1})
	in := &Input{Op: Mutate, N: 7}
	out, err := result(t, ex.Submit(bg(), in))
	must(t, err, "the Mutate input")
	want(t, out != nil && out.N == 49, "output %+v", out)
	if e.Separate {
		wantEqual(t, in.N, 7, "the caller's input after a task in another process changed its copy")
	} else {
		wantEqual(t, in.N, -7, "the caller's input after the task changed it")
	}
}
