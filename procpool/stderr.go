package procpool

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// tailLines is how many of a worker's last stderr lines go into errors.
const tailLines = 20

// stderrLog receives a worker's stderr: it forwards each line, prefixed
// with the worker's pid, to the pool's Stderr writer, and keeps the last
// lines for error messages.
type stderrLog struct {
	out   io.Writer
	outMu *sync.Mutex // shared by the pool's workers, so lines stay whole

	mu      sync.Mutex
	prefix  string
	partial []byte
	tail    []string
}

func newStderrLog(out io.Writer, outMu *sync.Mutex, pid int) *stderrLog {
	l := &stderrLog{out: out, outMu: outMu}
	l.setOrigin(pid, "")
	return l
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

// Write forwards the complete lines in p and keeps the rest for later.
func (l *stderrLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) > 64<<10 { // a very long line without an end
		l.line(string(l.partial))
		l.partial = nil
	}
	return len(p), nil
}

// close forwards an unfinished last line.
func (l *stderrLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.line(string(l.partial))
		l.partial = nil
	}
}

// line forwards one line. l.mu must be held.
func (l *stderrLog) line(s string) {
	l.tail = append(l.tail, s)
	if len(l.tail) > tailLines {
		l.tail = l.tail[len(l.tail)-tailLines:]
	}
	l.outMu.Lock()
	_, _ = io.WriteString(l.out, l.prefix+s+"\n")
	l.outMu.Unlock()
}

// lastLines returns a copy of the last lines.
func (l *stderrLog) lastLines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.tail...)
}
