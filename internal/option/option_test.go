package option

import (
	"errors"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// opt is an option interface, as the engines' are.
type opt interface{ apply(*int) error }

type optFunc func(*int) error

func (f optFunc) apply(c *int) error { return f(c) }

func apply(o opt, c *int) error { return o.apply(c) }

func TestApplyInOrderAndPanicsAtTheFirstInvalid(t *testing.T) {
	c := 0
	Apply("pkg", &c, []opt{optFunc(func(c *int) error { *c = 1; return nil }), optFunc(func(c *int) error { *c *= 10; return nil })}, apply)
	if c != 10 {
		t.Errorf("options applied out of order: %d", c)
	}
	defer func() {
		if v := recover(); v != "pkg: bad" {
			t.Errorf("Apply panicked with %v", v)
		}
	}()
	Apply("pkg", &c, []opt{optFunc(func(*int) error { return errors.New("pkg: bad") })}, apply)
}

func TestApplyRefusesNil(t *testing.T) {
	defer func() {
		if v := recover(); v != "pkg: New: nil Option" {
			t.Errorf("Apply panicked with %v", v)
		}
	}()
	c := 0
	Apply[int, *struct{}]("pkg", &c, []*struct{}{nil}, func(*struct{}, *int) error { return nil })
}

func TestWithinAndPositive(t *testing.T) {
	if err := Within("pkg", "N", 5, 1, 4); err == nil || err.Error() != "pkg: N(5): must be from 1 to 4" {
		t.Errorf("Within: %v", err)
	}
	if err := Within("pkg", "N", 4, 1, 4); err != nil {
		t.Errorf("Within of a value in range: %v", err)
	}
	if err := Positive("pkg", "D", 0); err == nil || err.Error() != "pkg: D(0): must be positive" {
		t.Errorf("Positive: %v", err)
	}
}
