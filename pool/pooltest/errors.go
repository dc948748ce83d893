package pooltest

import (
	"slices"
	"strings"
	"testing"

	"github.com/poolkit/poolkit/pool"
)

var errorScenarios = []scenario{
	{"Errors/SentinelWrappedWithW", sentinelWrapped},
	{"Errors/TypeKeepsItsFields", typedError},
	{"Errors/JoinedKeepsBoth", joinedError},
	{"Errors/MapTaskErrorUnwrapsToTheTasksError", mapTaskError},
	{"Errors/MapSeqYieldsATaskErrorPerFailureAndGoesOn", mapSeqTaskErrors},
	{"Panics/BecomePanicErrorWithValueAndStack", panicText},
	{"Panics/WithAnErrorValueUnwrapToIt", panicErrorValue},
	{"Panics/GoexitSettlesWithErrGoexit", goexit},
}

func sentinelWrapped(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	_, err := result(t, ex.Submit(bg(), Input{Op: Fail, N: 3}))
	wantIs(t, err, ErrSentinel, "Submit of a failing input")
	wantEqual(t, errText(err), "input 3: "+ErrSentinel.Error(), "the error's message")
	out, err := result(t, ex.Submit(bg(), Input{Op: Square, N: 4}))
	must(t, err, "the executor goes on after an error")
	wantEqual(t, out.N, 16, "output after an error")
}

func typedError(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	_, err := result(t, ex.Submit(bg(), Input{Op: FailTyped, N: 5}))
	if te := wantAs[*Error](t, err, "a typed error"); te != nil {
		wantEqual(t, te.Code, 5, "the typed error's field")
	}
	wantIs(t, err, ErrSentinel, "the typed error's own Unwrap")
}

func joinedError(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	_, err := result(t, ex.Submit(bg(), Input{Op: FailJoined, N: 6}))
	wantIs(t, err, ErrSentinel, "a joined error")
	if te := wantAs[*Error](t, err, "a joined error"); te != nil {
		wantEqual(t, te.Code, 6, "the joined typed error's field")
	}
}

func mapTaskError(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2})
	ins := squares(20)
	ins[13] = Input{Op: FailTyped, N: 13}
	outs, err := ex.Map(bg(), ins)
	want(t, outs == nil, "Map returned outputs %v with an error", outs)
	if te := wantAs[*pool.TaskError](t, err, "Map with a failing input"); te != nil {
		wantEqual(t, te.Index, 13, "the TaskError's index")
	}
	if typed := wantAs[*Error](t, err, "Map's error unwrapped"); typed != nil {
		wantEqual(t, typed.Code, 13, "the task's error's field")
	}
	wantIs(t, err, ErrSentinel, "Map's error unwrapped")
}

func mapSeqTaskErrors(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2})
	ins := squares(100)
	for _, i := range []int{3, 50, 99} {
		ins[i] = Input{Op: Fail, N: i}
	}
	var failed []int
	i := 0
	for out, err := range ex.MapSeq(bg(), slices.Values(ins)) {
		if err != nil {
			te := wantAs[*pool.TaskError](t, err, "MapSeq's error")
			if te != nil {
				wantEqual(t, te.Index, i, "the TaskError's index")
			}
			wantIs(t, err, ErrSentinel, "MapSeq's error unwrapped")
			failed = append(failed, i)
		} else if out.N != i*i {
			t.Errorf("output %d is %d", i, out.N)
		}
		i++
	}
	wantEqual(t, failed, []int{3, 50, 99}, "the inputs that failed")
	wantEqual(t, i, 100, "outputs yielded")
}

func panicText(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	_, err := result(t, ex.Submit(bg(), Input{Op: PanicText, N: 8}))
	if pe := wantAs[*pool.PanicError](t, err, "a panicking input"); pe != nil {
		wantEqual(t, pe.Value, any("pooltest: panic 8"), "the panic value")
		want(t, strings.Contains(string(pe.Stack), "pooltest.Task"), "the stack does not show the task:\n%s", pe.Stack)
	}
	wantEqual(t, errText(err), "pool: task panicked: pooltest: panic 8", "the panic's message")
	out, err := result(t, ex.Submit(bg(), Input{Op: Square, N: 2}))
	must(t, err, "the executor goes on after a panic")
	wantEqual(t, out.N, 4, "output after a panic")
}

func panicErrorValue(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	_, err := result(t, ex.Submit(bg(), Input{Op: PanicError, N: 9}))
	if pe := wantAs[*pool.PanicError](t, err, "a panic with an error"); pe != nil {
		typed, _ := pe.Value.(*Error)
		want(t, typed != nil && typed.Code == 9, "the panic value is %#v, want &Error{Code: 9}", pe.Value)
	}
	wantIs(t, err, ErrSentinel, "a panic with an error, unwrapped")
	if typed := wantAs[*Error](t, err, "a panic with an error"); typed != nil {
		wantEqual(t, typed.Code, 9, "the panic error's field")
	}
}

func goexit(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	for range 3 {
		_, err := result(t, ex.Submit(bg(), Input{Op: Goexit}))
		wantIs(t, err, pool.ErrGoexit, "an input that calls runtime.Goexit")
	}
	outs, err := ex.Map(bg(), []Input{{Op: Square, N: 1}, {Op: Goexit}, {Op: Square, N: 3}})
	wantIs(t, err, pool.ErrGoexit, "Map with an input that calls runtime.Goexit")
	want(t, outs == nil, "Map returned outputs with an error")
	out, err := result(t, ex.Submit(bg(), Input{Op: Square, N: 5}))
	must(t, err, "the executor goes on after runtime.Goexit")
	wantEqual(t, out.N, 25, "output after runtime.Goexit")
}

// errText is err's message, or "<nil>".
func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
