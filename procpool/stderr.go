package procpool

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// tailLines is how many of a worker's last stderr lines go into errors.
const tailLines = 20

// maxLine is where a line without an end is cut.
const maxLine = 64 << 10

// stderrLog reads one worker's stderr: it keeps the last lines for error
// messages and hands each line, prefixed with the worker's pid, to the
// pool's forwarder. Reading never waits on forwarding.
type stderrLog struct {
	fw *forwarder

	mu     sync.Mutex
	prefix string
	tail   []string

	file *os.File
	done chan struct{} // closed when reading has ended
}

func newStderrLog(fw *forwarder) *stderrLog {
	return &stderrLog{fw: fw, prefix: "[procpool] ", done: make(chan struct{})}
}

// setOrigin sets the prefix from the worker's pid and, for a worker on
// another host, the host name.
func (l *stderrLog) setOrigin(pid int, host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if host != "" {
		l.prefix = fmt.Sprintf("[procpool pid %d on %s] ", pid, host)
	} else {
		l.prefix = fmt.Sprintf("[procpool pid %d] ", pid)
	}
}

// read starts reading f until its end.
func (l *stderrLog) read(f *os.File) {
	l.file = f
	go func() {
		defer close(l.done)
		l.copy(f)
	}()
}

// copy splits what r gives into lines.
func (l *stderrLog) copy(r io.Reader) {
	sp := lineSplitter{line: l.line}
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		sp.Write(buf[:n])
		if err != nil {
			sp.flush()
			return
		}
	}
}

// writer returns a writer whose lines go the way the worker's stderr
// goes, for what it printed to stdout before it took stdout over.
func (l *stderrLog) writer() io.Writer {
	return &lineSplitter{line: l.line}
}

// lineSplitter hands complete lines to line, cutting lines longer than
// maxLine.
type lineSplitter struct {
	line    func([]byte)
	partial []byte
}

func (sp *lineSplitter) Write(b []byte) (int, error) {
	sp.partial = append(sp.partial, b...)
	rest := sp.partial
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		sp.line(rest[:i])
		rest = rest[i+1:]
	}
	if len(rest) > maxLine {
		sp.line(rest)
		rest = nil
	}
	sp.partial = append(sp.partial[:0], rest...)
	return len(b), nil
}

// flush hands on an unfinished last line.
func (sp *lineSplitter) flush() {
	if len(sp.partial) > 0 {
		sp.line(sp.partial)
		sp.partial = sp.partial[:0]
	}
}

// line keeps and forwards one line.
func (l *stderrLog) line(b []byte) {
	s := string(b)
	l.mu.Lock()
	l.tail = append(l.tail, s)
	if len(l.tail) > tailLines {
		l.tail = l.tail[len(l.tail)-tailLines:]
	}
	prefix := l.prefix
	l.mu.Unlock()
	l.fw.send(prefix + s + "\n")
}

// finish waits up to d for the reading to reach the end, then stops it.
func (l *stderrLog) finish(d time.Duration) {
	if l.file == nil {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-l.done:
	case <-t.C:
	}
	l.file.Close()
	<-l.done
}

// lastLines returns a copy of the last lines.
func (l *stderrLog) lastLines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.tail...)
}

// forwarderQueue is how many lines may wait for the pool's Stderr writer
// before more are dropped.
const forwarderQueue = 4096

// forwarder writes the workers' lines to the pool's Stderr writer from a
// goroutine of its own, so a writer that blocks holds up nothing but the
// forwarding: while it blocks, lines beyond forwarderQueue are dropped and
// counted.
type forwarder struct {
	out     io.Writer
	lines   chan string
	dropped atomic.Uint64
	done    chan struct{}
	close1  sync.Once
}

func newForwarder(out io.Writer) *forwarder {
	f := &forwarder{out: out, lines: make(chan string, forwarderQueue), done: make(chan struct{})}
	go f.loop()
	return f
}

func (f *forwarder) loop() {
	defer close(f.done)
	for s := range f.lines {
		_, _ = io.WriteString(f.out, s)
	}
}

// send queues a line, or drops it if the queue is full.
func (f *forwarder) send(s string) {
	select {
	case f.lines <- s:
	default:
		f.dropped.Add(1)
	}
}

// close stops the forwarder once the lines queued are written, waiting at
// most d: a writer that blocks longer keeps the forwarding goroutine until
// it returns, and the lines still queued then are dropped.
func (f *forwarder) close(d time.Duration) {
	f.close1.Do(func() { close(f.lines) })
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-f.done:
	case <-t.C:
	}
}
