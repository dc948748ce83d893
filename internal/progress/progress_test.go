package progress

import (
	"bytes"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// clock is a fake time source that moves only when told.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Unix(1000, 0)} }
func lines(s string) []string            { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }
func plainBar(w *bytes.Buffer, c *clock, total int64, opts ...Option) *Bar {
	return newBar(w, "job", total, false, c.now, opts...)
}

func TestPlainWritesALinePerTenth(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	b := plainBar(&out, c, 100)
	for range 100 {
		c.advance(lineEvery / 10)
		b.Add(1)
	}
	b.Done()

	got := lines(out.String())
	require.Len(t, got, 10, "nine tenths and the final line")
	assert.Equal(t, "job:  10% (10/100)", got[0])
	assert.Equal(t, "job:  90% (90/100)", got[8])
	assert.Equal(t, "job: 100% (100/100) in 10s", got[9])
	assert.NotContains(t, out.String(), "\r", "plain output never redraws")
}

func TestPlainSkipsTenthsPassedAtOnce(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	b := plainBar(&out, c, 10)
	c.advance(lineEvery)
	b.Add(7)
	assert.Equal(t, "job:  70% (7/10)\n", out.String())
}

func TestPlainWritesAtMostALineASecond(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	b := plainBar(&out, c, 10)
	c.advance(lineEvery - time.Millisecond)
	b.Add(5) // too soon after the start
	c.advance(time.Millisecond)
	b.Add(1) // due
	b.Add(1) // too soon after the last line
	c.advance(lineEvery)
	b.Add(3) // done: left to Done
	b.Done()
	assert.Equal(t, "job:  60% (6/10)\njob: 100% (10/10) in 2s\n", out.String())
}

func TestLiveRedrawsInPlaceAtMostEveryInterval(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	b := newBar(&out, "scan", 4e6, true, c.now, Bytes())
	c.advance(redrawEvery)
	b.Add(1e6) // due: drawn
	b.Add(1e6) // too soon: not drawn
	c.advance(redrawEvery)
	b.Add(1e6) // due: drawn
	b.Done()

	s := out.String()
	assert.Equal(t, 3, strings.Count(s, "\r"), "two redraws and the final line")
	assert.Equal(t, 1, strings.Count(s, "\n"), "a live bar ends its line once")
	assert.Contains(t, s, "\rscan: [=======                       ]  25% (1.0 MB/4.0 MB)")
	assert.Contains(t, s, "\rscan: [======================        ]  75% (3.0 MB/4.0 MB)")
	assert.NotContains(t, s, "50%")
	assert.True(t, strings.HasSuffix(s, "75% (3.0 MB/4.0 MB) in 200ms\n"), s)
}

func TestUnknownTotalShowsTheCount(t *testing.T) {
	var out bytes.Buffer
	b := plainBar(&out, newClock(), 0)
	b.Add(42)
	b.Done()
	assert.Equal(t, "job: 42 in 0s\n", out.String())
}

func TestDoneWritesOnceAndStopsCounting(t *testing.T) {
	var out bytes.Buffer
	b := plainBar(&out, newClock(), 0)
	b.Done()
	b.Add(5)
	b.Done()
	assert.Equal(t, "job: 0 in 0s\n", out.String())
}

func TestConcurrentAddsAllCount(t *testing.T) {
	var out bytes.Buffer
	b := New(&out, "job", 8000)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				b.Add(1)
			}
		})
	}
	wg.Wait()
	b.Done()
	got := lines(out.String())
	assert.True(t, strings.HasPrefix(got[len(got)-1], "job: 100% (8000/8000) in "), got[len(got)-1])
}

func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.False(t, IsTerminal(w), "a pipe")
	assert.False(t, IsTerminal(&bytes.Buffer{}), "not a file")

	if runtime.GOOS == "windows" {
		t.Skip("no /dev/null")
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer null.Close()
	assert.True(t, IsTerminal(null), "/dev/null is a character device, like a terminal")
}
