package procpool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
)

const (
	// partialEvery is how often a worker sends the results of a long
	// request so far, so the parent learns of progress and a crash loses
	// little.
	partialEvery = time.Millisecond
	// rssEvery is how often a worker measures its memory.
	rssEvery = 100 * time.Millisecond
)

func (t *Task[In, Out]) signature() string { return t.sig }

// serve runs requests from c until the parent closes the pipe, and then
// exits the process.
func (t *Task[In, Out]) serve(c *wire.Conn, timeout time.Duration) {
	s := &session[In, Out]{
		fn:        t.fn,
		c:         c,
		timeout:   timeout,
		cancelled: make(map[uint64]bool),
		wake:      make(chan struct{}, 1),
	}
	go s.loop()
	s.read() // exits the process when the parent closes the pipe
}

// session is a worker serving one parent.
type session[In, Out any] struct {
	fn      func(context.Context, In) (Out, error)
	c       *wire.Conn
	timeout time.Duration

	mu        sync.Mutex // guards the fields below, shared with read
	queue     []*wire.Request[In]
	cancelled map[uint64]bool
	running   uint64
	cancelRun context.CancelFunc
	wake      chan struct{}

	writeMu sync.Mutex // guards c's write side

	// The request being run; a new goroutine resumes it after a
	// runtime.Goexit.
	cur      *wire.Request[In]
	ctx      context.Context
	pos      int
	reply    wire.Reply[Out]
	start    time.Time
	lastSend time.Time
	lastRSS  time.Time
}

// read receives requests until the parent closes the pipe.
func (s *session[In, Out]) read() {
	for {
		req := new(wire.Request[In])
		if err := s.c.Receive(req); err != nil {
			// The parent closes the pipe only when nothing is in flight,
			// or when it is gone or has given up on this worker: either
			// way nobody waits for what is running, so exit at once.
			code := 0
			if !errors.Is(err, io.EOF) {
				fmt.Fprintf(os.Stderr, "procpool worker: reading a request: %v\n", err)
				code = 4
			}
			s.writeMu.Lock()
			_ = s.c.Flush()
			os.Exit(code)
		}
		switch req.Kind {
		case wire.Run:
			s.mu.Lock()
			s.queue = append(s.queue, req)
			s.mu.Unlock()
			s.signal()
		case wire.Cancel:
			s.cancel(req.ID)
		}
	}
}

func (s *session[In, Out]) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// cancel cancels the request with id, running or waiting.
func (s *session[In, Out]) cancel(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == id && s.cancelRun != nil {
		s.cancelRun()
		return
	}
	s.cancelled[id] = true
}

// next waits for the next request.
func (s *session[In, Out]) next() *wire.Request[In] {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			req := s.queue[0]
			s.queue[0] = nil
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return req
		}
		s.mu.Unlock()
		s.flush()
		<-s.wake
	}
}

// loop runs requests in order until the process exits.
func (s *session[In, Out]) loop() {
	for {
		if s.cur == nil {
			s.cur = s.next()
			s.begin()
		}
		for s.pos < len(s.cur.Ins) {
			if !s.runFrom() {
				return // runtime.Goexit: a new goroutine resumes the request
			}
		}
		s.end()
	}
}
