package wire

import (
	"bytes"
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
// only the test's runtime.GC calls decide what is freed and when.
func noAutoGC(t *testing.T) {
	old := debug.SetGCPercent(-1)
	t.Cleanup(func() { debug.SetGCPercent(old) })
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
	const size = 5<<20 + 777 // of another rounded size than the tests' above
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
