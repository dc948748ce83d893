package pooltest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hangFor is how long a Hang input waits for its release before it gives
// up, so that a forgotten one cannot outlive a test run by much.
const hangFor = time.Minute

// waitFor bounds every wait of a scenario for an event: a guard against a
// hang, far above what any step takes on a loaded machine, not a measure
// of speed.
const waitFor = 2 * time.Minute

// block is the Block, BlockFail and Hang ops: report the start, then wait.
func block(ctx context.Context, in Input) (Output, error) {
	conn, err := net.Dial("tcp", in.Addr)
	if err != nil {
		return Output{}, fmt.Errorf("pooltest: dialing the gate: %w", err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%d started\n", in.N)
	released := make(chan struct{})
	go func() {
		defer close(released)
		_, _ = bufio.NewReader(conn).ReadString('\n')
	}()
	if in.Op == Hang {
		select {
		case <-released:
		case <-time.After(hangFor):
		}
		return Output{N: in.N * in.N}, nil
	}
	select {
	case <-released:
		if in.Op == BlockFail {
			return Output{}, fmt.Errorf("input %d: %w", in.N, &Error{Code: in.N})
		}
		return Output{N: in.N * in.N}, nil
	case <-ctx.Done():
	}
	cause := context.Cause(ctx)
	fmt.Fprintf(conn, "%d ended %s\n", in.N, describeCause(ctx.Err(), cause))
	<-released // the gate closes the connection once it has the event
	return Output{}, cause
}

// describeCause says, in one word each, what the context's error and cause
// were: "canceled", "deadline", "sentinel" or "other".
func describeCause(err, cause error) string {
	word := func(e error) string {
		switch {
		case errors.Is(e, ErrSentinel):
			return "sentinel"
		case errors.Is(e, context.Canceled):
			return "canceled"
		case errors.Is(e, context.DeadlineExceeded):
			return "deadline"
		}
		return "other"
	}
	return word(err) + " " + word(cause)
}

// report sends one event about in to its gate.
func report(in Input, event string) {
	if in.Addr == "" {
		return
	}
	conn, err := net.Dial("tcp", in.Addr)
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%d %s\n", in.N, event)
	// The gate closes the connection once it has the event, so what the
	// task reported is seen by the time it returns.
	_, _ = io.Copy(io.Discard, conn)
}

// Gate is the scenarios' window into running tasks, wherever they run: a
// loopback listener that the Block, Hang, Deadline and Record ops report
// to, and that releases blocked inputs. Its methods are safe for
// concurrent use.
type Gate struct {
	t  testing.TB
	ln net.Listener
	wg sync.WaitGroup

	mu      sync.Mutex
	events  map[int][]string
	holds   map[int]net.Conn // blocked inputs, by N
	early   map[int]bool     // released before they started
	changed chan struct{}    // closed and replaced at every event
	closed  bool
}

// NewGate starts a gate that closes when the test ends, releasing every
// input still blocked on it.
func NewGate(t testing.TB) *Gate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pooltest: listening for the gate: %v", err)
	}
	g := &Gate{t: t, ln: ln, events: map[int][]string{}, holds: map[int]net.Conn{}, early: map[int]bool{}, changed: make(chan struct{})}
	g.wg.Add(1)
	go g.accept()
	t.Cleanup(g.close)
	return g
}

// Input returns an input for op that reports to g, numbered n. Numbers
// tell inputs apart at the gate, so each should be used once per gate.
func (g *Gate) Input(op Op, n int) Input {
	return Input{Op: op, N: n, Addr: g.ln.Addr().String()}
}

func (g *Gate) accept() {
	defer g.wg.Done()
	for {
		conn, err := g.ln.Accept()
		if err != nil {
			return
		}
		g.wg.Add(1)
		go g.serve(conn)
	}
}

// serve records the events of one connection.
func (g *Gate) serve(conn net.Conn) {
	defer g.wg.Done()
	defer conn.Close()
	lines := bufio.NewScanner(conn)
	for lines.Scan() {
		num, event, _ := strings.Cut(lines.Text(), " ")
		n, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		if !g.record(n, event, conn) {
			return // acknowledged by closing the connection
		}
	}
}

// record records an event and reports whether the connection stays open:
// only a blocked input's does, until its release or its end.
func (g *Gate) record(n int, event string, conn net.Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.events[n] = append(g.events[n], event)
	defer func() {
		close(g.changed)
		g.changed = make(chan struct{})
	}()
	if event != "started" {
		if g.holds[n] == conn {
			delete(g.holds, n)
		}
		return false
	}
	switch {
	case g.closed:
		return false
	case g.early[n]:
		delete(g.early, n)
		_, _ = conn.Write([]byte("go\n"))
	default:
		g.holds[n] = conn
	}
	return true
}

// Release lets blocked input n return, or, if it has not started yet, lets
// it return as soon as it starts.
func (g *Gate) Release(n int) {
	g.mu.Lock()
	conn := g.holds[n]
	delete(g.holds, n)
	if conn == nil {
		g.early[n] = true
	}
	g.mu.Unlock()
	if conn != nil {
		_, _ = conn.Write([]byte("go\n"))
	}
}

// Events returns what input n has reported so far, in order.
func (g *Gate) Events(n int) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.events[n]...)
}

// Saw reports whether input n has reported an event that starts with
// prefix.
func (g *Gate) Saw(n int, prefix string) bool {
	_, ok := g.find(n, prefix)
	return ok
}

func (g *Gate) find(n int, prefix string) (string, bool) {
	for _, e := range g.Events(n) {
		if strings.HasPrefix(e, prefix) {
			return e, true
		}
	}
	return "", false
}

// Wait blocks until input n reports an event that starts with prefix and
// returns it. It fails the test if that takes longer than a generous
// guard against hangs, so it must be called from the test's goroutine.
func (g *Gate) Wait(n int, prefix string) string {
	g.t.Helper()
	e, ok := g.await(n, prefix)
	if !ok {
		g.t.Fatalf("pooltest: input %d never reported %q; it reported %q", n, prefix, g.Events(n))
	}
	return e
}

// await is Wait for any goroutine: it reports false instead of failing.
func (g *Gate) await(n int, prefix string) (string, bool) {
	guard := time.NewTimer(waitFor)
	defer guard.Stop()
	for {
		g.mu.Lock()
		changed := g.changed
		g.mu.Unlock()
		if e, ok := g.find(n, prefix); ok {
			return e, true
		}
		select {
		case <-changed:
		case <-guard.C:
			return "", false
		}
	}
}

// close releases every blocked input and stops the gate.
func (g *Gate) close() {
	g.mu.Lock()
	g.closed = true
	holds := g.holds
	g.holds = map[int]net.Conn{}
	g.mu.Unlock()
	for _, conn := range holds {
		conn.Close()
	}
	g.ln.Close()
	g.wg.Wait()
}
