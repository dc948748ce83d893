package pooltest

import (
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/poolkit/poolkit/future"
)

// The scenarios check with these few helpers rather than an assertion
// library, so that the package needs nothing but the standard library.

// must fails the test at once if err is not nil.
func must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// wantIs reports an error if err does not match target.
func wantIs(t testing.TB, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want one that matches %v", what, err, target)
	}
}

// wantNotIs reports an error if err matches target.
func wantNotIs(t testing.TB, err, target error, what string) {
	t.Helper()
	if errors.Is(err, target) {
		t.Errorf("%s: got error %v, which matches %v; it must not", what, err, target)
	}
}

// wantAs reports an error if err holds no T, and returns the T.
func wantAs[T error](t testing.TB, err error, what string) T {
	t.Helper()
	var v T
	if !errors.As(err, &v) {
		t.Errorf("%s: got error %v (%T), want one that holds a %v", what, err, err, reflect.TypeFor[T]())
	}
	return v
}

// wantEqual reports an error if got is not want.
func wantEqual[T any](t testing.TB, got, want T, what string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// want reports an error if ok is false.
func want(t testing.TB, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}

// result waits for f and returns its outcome.
func result[T any](t testing.TB, f *future.Future[T]) (T, error) {
	t.Helper()
	ctx, cancel := withGuard()
	defer cancel()
	v, err := f.Result(ctx)
	if ctx.Err() != nil {
		t.Fatalf("pooltest: a future did not settle within %v", waitFor)
	}
	return v, err
}

func itoa(i int) string { return strconv.Itoa(i) }

// eventually polls cond every millisecond until it holds, and fails the
// test if it does not within the hang guard.
func eventually(t testing.TB, cond func() bool, msg string) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	guard := time.NewTimer(waitFor)
	defer guard.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-guard.C:
			t.Fatalf("pooltest: %s (waited %v)", msg, waitFor)
		}
	}
}
