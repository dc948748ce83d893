// Package option is what the option machinery of poolkit's engines shares:
// applying options in order, failing loudly on the first invalid one, and
// the range checks that name the option.
//
// Each engine keeps its own exported Option interface, with an unexported
// method over its own config, so options of one engine cannot be passed to
// the other.
package option

import (
	"cmp"
	"fmt"
)

// Apply applies opts to c in order with apply, and panics with the error
// of the first one that is invalid, or names a nil one, for package pkg's
// New.
func Apply[C any, O comparable](pkg string, c *C, opts []O, apply func(O, *C) error) {
	var none O
	for _, o := range opts {
		if o == none {
			panic(pkg + ": New: nil Option")
		}
		if err := apply(o, c); err != nil {
			panic(err.Error())
		}
	}
}

// Within returns an error naming pkg and the option if v is not in
// [lo, hi], and nil otherwise.
func Within[T cmp.Ordered](pkg, name string, v, lo, hi T) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s: %s(%v): must be from %v to %v", pkg, name, v, lo, hi)
	}
	return nil
}

// Positive returns an error naming pkg and the option if v is not
// positive, and nil otherwise.
func Positive[T cmp.Ordered](pkg, name string, v T) error {
	var zero T
	if v <= zero {
		return fmt.Errorf("%s: %s(%v): must be positive", pkg, name, v)
	}
	return nil
}
