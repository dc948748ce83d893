// Package guard runs a task's code so that neither a panic nor
// runtime.Goexit escapes into the engine that runs it: the one piece of
// code behind every place poolkit calls a task.
package guard

import "runtime/debug"

// Call runs fn and reports how it ended: panicked is false if fn returned.
// If fn panicked, Call returns the value (a nil panic arrives as a
// *runtime.PanicNilError) and the stack of the goroutine where it
// panicked. If fn called runtime.Goexit, Call runs goexit, which must hand
// what is left of the work to a new goroutine, and does not return: the
// calling goroutine ends.
func Call(fn func(), goexit func()) (value any, stack []byte, panicked bool) {
	returned := false
	defer func() {
		if returned {
			return
		}
		if value = recover(); value != nil {
			stack, panicked = debug.Stack(), true
			return
		}
		goexit()
	}()
	fn()
	returned = true
	return nil, nil, false
}
