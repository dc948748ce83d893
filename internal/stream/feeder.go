package stream

import (
	"iter"
	"sync/atomic"
)

// feeder pulls the input on a goroutine of its own and gathers it into
// fills, which the consumer takes as batches. A fill is written by the
// feeder alone and published one input at a time, so the consumer can take
// a partly filled one (seal it) at any moment, even while the feeder is
// blocked inside the input, without a lock on the way of each input.
type feeder[In any] struct {
	// Written by the feeder, for each input.
	cur    *fill[In] // the fill being written
	pulled int64     // inputs pulled
	seen   int64     // yielded as the feeder last read it
	_      [64]byte

	// Written by the consumer, for each output.
	yielded atomic.Int64 // outputs yielded
	_       [56]byte

	// Read often, written seldom.
	current   atomic.Pointer[fill[In]] // cur, for the consumer
	size      atomic.Int64             // how many inputs the next fill holds
	stopped   atomic.Bool
	waiting   atomic.Bool    // the feeder waits for room
	readAhead int64          // at most pulled - yielded
	full      chan *fill[In] // fills the feeder sealed when full
	spare     chan []In      // input buffers the consumer is done with, for new fills
	started   chan struct{}  // a fill got its first input
	done      chan struct{}  // closed when the input is exhausted
	quit      chan struct{}  // closed when the consumer stops
	room      chan struct{}  // the consumer made room
}

// fill is a batch's inputs being gathered. state holds how many inputs are
// published, and the sealed bit once the fill is closed to more; once it
// is sealed, the count in it may run one past what the consumer took, by an
// input the feeder then moves to the next fill.
type fill[In any] struct {
	ins   []In
	n     int // inputs written, the feeder's own
	first int // position of ins[0] in the whole input
	state atomic.Int64
}

const sealed = 1 << 62

func newFeeder[In any](size, readAhead int) *feeder[In] {
	f := &feeder[In]{
		full:      make(chan *fill[In]),
		started:   make(chan struct{}, 1),
		done:      make(chan struct{}),
		quit:      make(chan struct{}),
		room:      make(chan struct{}, 1),
		spare:     make(chan []In, 8),
		readAhead: int64(readAhead),
	}
	f.size.Store(int64(size))
	f.newFill(0)
	return f
}

// newFill starts a fill at input position first, in a spare buffer if
// one is big enough.
func (f *feeder[In]) newFill(first int) {
	size := int(f.size.Load())
	var ins []In
	select {
	case buf := <-f.spare:
		if cap(buf) >= size {
			ins = buf[:size]
		}
	default:
	}
	if ins == nil {
		ins = make([]In, size)
	}
	f.cur = &fill[In]{ins: ins, first: first}
	f.current.Store(f.cur)
}

// recycle offers a yielded batch's input buffer, cleared, for new fills.
func (f *feeder[In]) recycle(buf []In) {
	select {
	case f.spare <- buf[:cap(buf)]:
	default:
	}
}

// run pulls ins until it is exhausted or the consumer stops.
func (f *feeder[In]) run(ins iter.Seq[In]) {
	defer close(f.done)
	for in := range ins {
		if !f.push(in) || !f.waitForRoom() {
			return
		}
	}
}

// push adds in to the current fill, starting a new one when the consumer
// sealed it or it is full. It reports false if the consumer stopped.
func (f *feeder[In]) push(in In) bool {
	f.pulled++
	for {
		c := f.cur
		if c.n == len(c.ins) {
			if c.state.Or(sealed)&sealed == 0 { // full, and not taken yet
				select {
				case f.full <- c:
				case <-f.quit:
					return false
				}
			}
			f.newFill(c.first + c.n)
			continue
		}
		c.ins[c.n] = in
		if c.state.Add(1)&sealed == 0 {
			c.n++
			if c.n == 1 {
				select {
				case f.started <- struct{}{}:
				default:
				}
			}
			return true
		}
		// The consumer sealed c before this input, with the c.n before it:
		// this one goes in a new fill.
		var zero In
		c.ins[c.n] = zero
		f.newFill(c.first + c.n)
	}
}

// waitForRoom waits while readAhead inputs are pulled and not yielded. It
// reports false if the consumer stopped.
func (f *feeder[In]) waitForRoom() bool {
	for f.pulled-f.seen >= f.readAhead {
		f.seen = f.yielded.Load()
		if f.pulled-f.seen < f.readAhead {
			break
		}
		f.waiting.Store(true)
		if f.seen = f.yielded.Load(); f.pulled-f.seen < f.readAhead {
			f.waiting.Store(false)
			break
		}
		select {
		case <-f.room:
		case <-f.quit:
			return false
		}
	}
	return !f.stopped.Load()
}

// seal closes the current fill to more inputs, for the consumer, and
// returns it with how many it holds, or nil if the feeder sealed it first
// (it comes through full) or it is empty.
func (f *feeder[In]) seal() (*fill[In], int) {
	c := f.current.Load()
	if c.state.Load() == 0 {
		return nil, 0 // empty: leave it open; only the feeder adds to it
	}
	old := c.state.Or(sealed)
	if old&sealed != 0 {
		return nil, 0
	}
	return c, int(old)
}

// consumed records that the consumer yielded n outputs in all, and wakes
// the feeder if it waits for room.
func (f *feeder[In]) consumed(n int64) {
	f.yielded.Store(n)
	if f.waiting.Load() {
		f.waiting.Store(false)
		select {
		case f.room <- struct{}{}:
		default:
		}
	}
}

// stop tells the feeder to pull nothing more.
func (f *feeder[In]) stop() {
	if !f.stopped.Swap(true) {
		close(f.quit)
	}
}
