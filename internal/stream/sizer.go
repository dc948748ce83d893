package stream

import "time"

// Sizer picks batch sizes from measured task time: inputs are batched until
// a batch takes about target to run, so tiny tasks share the cost of a
// dispatch and long ones go one at a time.
type Sizer struct {
	size   int
	max    int
	target time.Duration
	fixed  bool // the size was set, not measured
}

// NewSizer returns a sizer for batches of at most max inputs that should
// take about target to run. The first size is 1.
func NewSizer(max int, target time.Duration) Sizer {
	return Sizer{size: 1, max: max, target: target}
}

// FixedSizer returns a sizer that always gives size.
func FixedSizer(size int) Sizer {
	return Sizer{size: size, max: size, fixed: true}
}

// Size returns the size for the next batch.
func (s *Sizer) Size() int { return s.size }

// Observe updates the size from a batch of n inputs that took took. The size
// grows at most fourfold per batch, so one fast batch cannot swamp the
// window, and shrinks at once.
func (s *Sizer) Observe(n int, took time.Duration) {
	if n == 0 || s.fixed {
		return
	}
	want := s.max
	if perInput := took / time.Duration(n); perInput > 0 {
		want = int(min(s.target/perInput, time.Duration(s.max)))
	}
	s.size = max(1, min(want, 4*s.size, s.max))
}
