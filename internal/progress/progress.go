// Package progress reports how far a long job has come: a live bar redrawn
// on one line when the output is a terminal, and a plain line now and then
// otherwise, so that logs and test output stay readable.
//
//	bar := progress.New(os.Stdout, "scan", total, progress.Bytes())
//	for ... {
//		bar.Add(n)
//	}
//	bar.Done()
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// redrawEvery is the least time between two redraws of a live bar.
const redrawEvery = 100 * time.Millisecond

// lineEvery is the least time between two plain lines, so that a quick job
// writes only its final line.
const lineEvery = time.Second

// width is the number of cells in a live bar.
const width = 30

// Option configures a Bar.
type Option interface {
	apply(*Bar)
}

type optionFunc func(*Bar)

func (f optionFunc) apply(b *Bar) { f(b) }

// Bytes shows counts as sizes in MB instead of plain numbers.
func Bytes() Option {
	return optionFunc(func(b *Bar) { b.format = formatMB })
}

// Bar shows the progress of one job toward a known total. It is safe for
// concurrent use. Create it with [New]; the zero value is not usable.
type Bar struct {
	mu     sync.Mutex
	w      io.Writer
	label  string
	total  int64
	live   bool
	format func(int64) string
	now    func() time.Time

	count    int64
	start    time.Time
	lastDraw time.Time // the last redraw, or plain line
	lastStep int64     // the last tenth reported in plain mode
	done     bool
}

// New returns a bar that reports on w the progress of label toward total.
// The bar is live (redrawn in place with a carriage return, at most ten
// times a second) when w is an *os.File on a character device, such as a
// terminal; otherwise it writes a line when another tenth of total is
// done, at most one a second. A total of 0 or less means unknown: the bar
// shows the count without a percentage.
func New(w io.Writer, label string, total int64, opts ...Option) *Bar {
	return newBar(w, label, total, IsTerminal(w), time.Now, opts...)
}

// newBar is New with the mode and the clock chosen by the caller.
func newBar(w io.Writer, label string, total int64, live bool, now func() time.Time, opts ...Option) *Bar {
	b := &Bar{w: w, label: label, total: total, live: live, format: formatCount, now: now}
	for _, o := range opts {
		o.apply(b)
	}
	b.start = now()
	b.lastDraw = b.start
	return b
}

// IsTerminal reports whether w is an *os.File on a character device. This
// is true for a terminal, and also for a device such as /dev/null.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Add records n more units done and redraws the bar if it is due. Calls
// after Done are ignored.
func (b *Bar) Add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	b.count += n
	if b.live {
		b.redraw()
	} else {
		b.report()
	}
}

// redraw draws a live bar over the last one if it is due.
func (b *Bar) redraw() {
	if t := b.now(); t.Sub(b.lastDraw) >= redrawEvery {
		b.lastDraw = t
		fmt.Fprintf(b.w, "\r%s", b.line())
	}
}

// report writes a plain line if another tenth is done and one is due.
func (b *Bar) report() {
	if b.total <= 0 {
		return
	}
	step := min(10, 10*b.count/b.total)
	if t := b.now(); step > b.lastStep && step < 10 && t.Sub(b.lastDraw) >= lineEvery {
		b.lastStep, b.lastDraw = step, t
		fmt.Fprintln(b.w, b.line())
	}
}

// Done writes the final state and the elapsed time, and ends the line of a
// live bar. Only the first call writes.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	b.done = true
	elapsed := b.now().Sub(b.start).Round(time.Millisecond)
	prefix := ""
	if b.live {
		prefix = "\r"
	}
	fmt.Fprintf(b.w, "%s%s in %v\n", prefix, b.line(), elapsed)
}

// line describes the current state: label, bar (live only), percentage
// and count.
func (b *Bar) line() string {
	var s strings.Builder
	s.WriteString(b.label)
	s.WriteString(": ")
	if b.total > 0 {
		frac := min(1, float64(b.count)/float64(b.total))
		if b.live {
			full := int(frac * width)
			s.WriteString("[" + strings.Repeat("=", full) + strings.Repeat(" ", width-full) + "] ")
		}
		fmt.Fprintf(&s, "%3.0f%% (%s/%s)", 100*frac, b.format(b.count), b.format(b.total))
	} else {
		s.WriteString(b.format(b.count))
	}
	return s.String()
}

func formatCount(n int64) string { return fmt.Sprint(n) }

func formatMB(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
