package future

import (
	"log/slog"
	"runtime/debug"
)

// OnSettle arranges for fn to be called with f's result once f settles, and
// returns stop, which cancels that arrangement. If f has already settled, fn
// runs at once in the calling goroutine; otherwise it runs in the goroutine
// that settles f, before that goroutine's Settle or Cancel returns.
// Callbacks run in the order they were added and must not block. OnSettle
// never blocks and is safe for concurrent use.
//
// Calling stop removes fn from f, so that f no longer holds it. stop reports
// whether it stopped fn from being called: it returns false if f has
// settled already (fn has run, or is about to run in the settling
// goroutine) or if stop was called before. stop never blocks and is safe
// for concurrent use. Discarding stop is fine when fn is meant to run; the
// contract is the one of [context.AfterFunc].
//
// A panic in fn does not stop the callbacks after it and does not reach the
// goroutine that runs it: it is recovered and logged with its stack through
// [slog.Default], at level Error, and everything goes on as if fn had
// returned, like Python's add_done_callback. fn must not call
// [runtime.Goexit].
func (f *Future[T]) OnSettle(fn func(value T, err error)) (stop func() bool) {
	w := &waiter[T]{listener: callback[T](fn)}
	if !f.register(w) {
		w.listener.settled(f.value, f.err)
		return stopped
	}
	return func() bool { return f.unregister(w) }
}

// stopped is the stop function of a callback that has already run.
func stopped() bool { return false }

// callback is a function registered with OnSettle.
type callback[T any] func(value T, err error)

// settled calls fn and contains its panic, if any.
func (fn callback[T]) settled(value T, err error) {
	defer func() {
		if v := recover(); v != nil {
			logPanic(v)
		}
	}()
	fn(value, err)
}

// logPanic reports a panic of an OnSettle callback, stack included.
func logPanic(v any) {
	slog.Default().Error("future: OnSettle callback panicked",
		slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
}
