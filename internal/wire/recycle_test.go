package wire

import (
	"bytes"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recycleSize is a size no other test receives, so that the free list of
// its rounded size holds only what a recycling test dropped.
const recycleSize = 3<<20 + 12345

// noAutoGC stops the collector's own cycles until the test ends, so that
// only the test's runtime.GC calls decide what is freed and when, and
// settles what earlier tests dropped.
func noAutoGC(t *testing.T) {
	percent, limit := debug.SetGCPercent(-1), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
	settle(t)
}

// freeValues returns the addresses of the values of the rounded size
// that are in the free list and not yet freed.
func freeValues(size int) []uintptr {
	recycled.Lock()
	defer recycled.Unlock()
	var at []uintptr
	for _, w := range recycled.free[roundValue(size)] {
		if p := w.Value(); p != nil {
			at = append(at, uintptr(unsafe.Pointer(p)))
		}
	}
	return at
}

// collect runs a collection and waits for the finalizers of the values
// that were at the addresses was, dropped, to put them in the free list.
func collect(t *testing.T, size int, was ...uintptr) {
	t.Helper()
	runtime.GC()
	require.Eventually(t, func() bool {
		free := freeValues(size)
		return !slices.ContainsFunc(was, func(at uintptr) bool { return !slices.Contains(free, at) })
	}, 10*time.Second, time.Millisecond, "a value dropped never reached the free list")
}

// release frees the values at was, which the test dropped, so that no
// finalizer of its values runs during the next test.
func release(t *testing.T, size int, was ...uintptr) {
	t.Helper()
	collect(t, size, was...)
	runtime.GC()
}

// settle runs two collections and waits after each until the finalizers
// it queued have run: those of the first have once the second's sentinel
// has, as a single goroutine runs them, one collection's after another's.
func settle(t *testing.T) {
	t.Helper()
	for range 2 {
		ran := make(chan struct{})
		sentinel := new([16]byte)
		runtime.SetFinalizer(sentinel, func(*[16]byte) { close(ran) })
		sentinel = nil
		runtime.GC()
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Fatal("the finalizers did not run within 10s of a collection")
		}
	}
}

func armedBytes() int {
	recycled.Lock()
	defer recycled.Unlock()
	return recycled.armed
}

func addr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

func TestRoundValue(t *testing.T) {
	for _, c := range []struct{ n, want int }{
		{64 << 10, 64 << 10},
		{64<<10 + 1, 72 << 10},
		{1 << 20, 1 << 20},
		{1<<20 + 1, 1<<20 + 128<<10},
		{2<<20 - 1, 2 << 20},
	} {
		got := roundValue(c.n)
		assert.Equal(t, c.want, got, "roundValue(%d)", c.n)
		assert.LessOrEqual(t, got-c.n, c.n/8, "no value is given more than an eighth more than it needs")
	}
}

func TestValueReceivedReusesTheMemoryOfOneDropped(t *testing.T) {
	noAutoGC(t)
	small := newValue(recycleMin - 1)
	assert.Equal(t, recycleMin-1, cap(small), "a small value is an ordinary slice")

	dropped := newValue(recycleSize)
	require.Equal(t, recycleSize, len(dropped))
	assert.Equal(t, recycleSize, cap(dropped), "the rounded part of a value is out of its reach")
	was := addr(dropped)
	dropped = nil
	collect(t, recycleSize, was)

	free := freeValues(recycleSize)
	again := newValue(recycleSize - 100)
	assert.Contains(t, free, addr(again), "a value of about the same size takes the memory of one dropped")
	assert.Equal(t, recycleSize-100, cap(again))
	assert.NotContains(t, freeValues(recycleSize), addr(again), "memory is handed out once")
	release(t, recycleSize, addr(again))
}

func TestFreeListKeepsNothingAlive(t *testing.T) {
	noAutoGC(t)
	was := addr(newValue(recycleSize))
	collect(t, recycleSize, was)
	runtime.GC()
	assert.NotContains(t, freeValues(recycleSize), was, "a dropped value not used again is freed by the next collection")
}

// A value the program still reaches, through any part of it or through a
// string made from it, is never given to another.
func TestHeldValuesAreNeverReused(t *testing.T) {
	const size = 2<<20 + 777 // of another rounded size than the tests' above
	noAutoGC(t)
	c, _ := loop(8 << 20)
	receive := func(fill byte) string {
		in := bytes.Repeat([]byte{fill}, size)
		return roundTrip(t, c, &Request[string]{Kind: Run, ID: 1, Ins: []string{string(in)}, N: 1}).Ins[0]
	}
	text := func(s string) uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(s))) }
	kept := receive('k')
	whole := newValue(size)
	copy(whole, bytes.Repeat([]byte{'p'}, size))
	partOf := addr(whole)
	part := whole[size/2 : size/2+10]
	whole = nil
	reused := 0
	for i := range 8 {
		free := freeValues(size)
		got := receive(byte('a' + i))
		if slices.Contains(free, text(got)) {
			reused++
		}
		assert.NotContains(t, []uintptr{text(kept), partOf}, text(got), "round %d", i)
		was := text(got)
		got = ""
		collect(t, size, was)
	}
	assert.Equal(t, 7, reused, "each value after the first takes the memory of the one before")
	assert.Equal(t, strings.Repeat("k", size), kept, "a value kept as a string was written over")
	assert.Equal(t, bytes.Repeat([]byte{'p'}, 10), part, "a value kept through a part of it was written over")
	release(t, size, text(kept), partOf)
}

// Only so many bytes of values carry the finalizer at once: past that, a
// value is allocated and freed as any other.
func TestValuesPastTheBudgetCarryNoFinalizer(t *testing.T) {
	const size = 4<<20 + 99
	noAutoGC(t)
	base, each := armedBytes(), roundValue(size)
	var held [][]byte
	for base+(len(held)+1)*each <= recycleBudget {
		held = append(held, newValue(size))
	}
	require.NotEmpty(t, held)
	assert.Equal(t, base+len(held)*each, armedBytes())
	extra := newValue(size)
	assert.Equal(t, base+len(held)*each, armedBytes(), "a value past the budget is not counted")
	require.Equal(t, size, len(extra))
	was := addr(extra)
	extra = nil
	kept := make([]uintptr, len(held))
	for i, v := range held {
		kept[i] = addr(v)
	}
	held = nil
	collect(t, size, kept...)
	assert.NotContains(t, freeValues(size), was, "a value past the budget carries no finalizer")
	settle(t)
	assert.Equal(t, base, armedBytes(), "the finalizers give their bytes back to the budget")
}

// A value taken out of a lane is recycled as one read from the pipe.
func TestValueFromALaneReusesTheMemoryOfOneDropped(t *testing.T) {
	const size = 1<<20 + 300<<10
	noAutoGC(t)
	c, _, buf := laneLoop(8<<20, nil)
	receive := func() []byte {
		lanes, _ := sendOne(t, c, buf, 1, payload(size))
		require.Equal(t, 1, lanes, "the value went in the lane")
		got := new(Reply[[]byte])
		require.NoError(t, c.Receive(got))
		require.Equal(t, payload(size), got.Outs[0])
		return got.Outs[0]
	}
	was := addr(receive())
	collect(t, size, was)
	again := receive()
	assert.Equal(t, was, addr(again), "the value took the memory of the one dropped")
	release(t, size, addr(again))
}
