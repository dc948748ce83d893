package guard

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestCallReturns(t *testing.T) {
	ran := false
	v, stack, panicked := Call(func() { ran = true }, func() { t.Error("goexit ran for a function that returned") })
	if !ran || v != nil || stack != nil || panicked {
		t.Errorf("Call of a function that returns: ran %v, value %v, stack %d bytes, panicked %v", ran, v, len(stack), panicked)
	}
}

func TestCallRecoversAPanicWithItsStack(t *testing.T) {
	boom := errors.New("boom")
	v, stack, panicked := Call(func() { deepPanic(boom) }, func() { t.Error("goexit ran for a panic") })
	if !panicked || v != boom {
		t.Fatalf("Call of a panicking function: value %v, panicked %v", v, panicked)
	}
	if !strings.Contains(string(stack), "guard.deepPanic") {
		t.Errorf("the stack is not where the panic was:\n%s", stack)
	}
	v, _, panicked = Call(func() { panic(nil) }, func() {})
	var pne *runtime.PanicNilError
	if !panicked || !errors.As(v.(error), &pne) {
		t.Errorf("a nil panic: value %v, panicked %v", v, panicked)
	}
}

func deepPanic(err error) { panic(err) }

func TestCallHandsOverAtGoexit(t *testing.T) {
	handed := make(chan string, 1)
	after := make(chan bool, 1)
	go func() {
		Call(func() { runtime.Goexit() }, func() { handed <- "goexit ran" })
		after <- true // never reached: the goroutine ends
	}()
	if got := <-handed; got != "goexit ran" {
		t.Fatal(got)
	}
	select {
	case <-after:
		t.Error("Call returned after runtime.Goexit")
	default:
	}
}
