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
	// rssEvery is how often a worker measures its memory when nothing
	// asks for more: with MaxRSS it measures after every input, at most
	// every rssLimitEvery.
	rssEvery      = 100 * time.Millisecond
	rssLimitEvery = time.Millisecond
)

func (t *Task[In, Out]) signature() string { return t.sig }

// limits are what the parent's Setup asks of a worker.
type limits struct {
	timeout      time.Duration
	recycleAfter uint64
	maxRSS       uint64
}

// serve runs requests from c until the parent closes the pipe, and then
// exits the process.
func (t *Task[In, Out]) serve(c *wire.Conn, lim limits) {
	s := &session[In, Out]{
		fn:        t.fn,
		c:         c,
		lim:       lim,
		cancelled: make(map[uint64]bool),
		wake:      make(chan struct{}, 1),
	}
	go s.loop()
	s.read() // exits the process when the parent closes the pipe
}

// session is a worker serving one parent.
type session[In, Out any] struct {
	fn  func(context.Context, In) (Out, error)
	c   *wire.Conn
	lim limits

	mu        sync.Mutex // guards the fields below, shared with read
	queue     []*wire.Request[In]
	refused   map[uint64]string // requests that could not be decoded
	cancelled map[uint64]bool   // cancels for requests not yet started
	running   uint64            // the request running, or the last one that did
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
	ran      uint64 // inputs run by this worker
	retiring bool   // a limit was reached: run nothing more
}

// read receives requests until the parent closes the pipe.
func (s *session[In, Out]) read() {
	for {
		req := new(wire.Request[In])
		err := s.c.Receive(req)
		var broken *wire.ReadError
		switch {
		case errors.As(err, &broken):
			// The parent closes the pipe only when nothing is in flight,
			// or when it is gone or has given up on this worker: either
			// way nobody waits for a reply, so exit at once.
			if errors.Is(err, io.EOF) {
				os.Exit(0)
			}
			fmt.Fprintf(os.Stderr, "procpool worker: reading a request: %v\n", err)
			os.Exit(4)
		case err != nil && req.Kind == wire.Run && req.ID != 0:
			s.enqueue(req, err.Error()) // the message was whole; answer it
		case err != nil:
			fmt.Fprintf(os.Stderr, "procpool worker: decoding a request: %v\n", err)
			os.Exit(4)
		case req.Kind == wire.Run:
			s.enqueue(req, "")
		case req.Kind == wire.Cancel:
			s.cancel(req.ID)
		}
	}
}

// enqueue queues req; a non-empty refusal says why it cannot be run.
func (s *session[In, Out]) enqueue(req *wire.Request[In], refusal string) {
	s.mu.Lock()
	s.queue = append(s.queue, req)
	if refusal != "" {
		if s.refused == nil {
			s.refused = make(map[uint64]string)
		}
		s.refused[req.ID] = refusal
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// cancel cancels the request with id, running or waiting. Request ids grow,
// so a cancel for one at or before the running one needs no record.
func (s *session[In, Out]) cancel(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case id == s.running && s.cancelRun != nil:
		s.cancelRun()
	case id > s.running:
		s.cancelled[id] = true
	}
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
			if !s.begin() {
				continue
			}
		}
		for s.pos < len(s.cur.Ins) && !s.retiring {
			if !s.runFrom() {
				return // runtime.Goexit: a new goroutine resumes the request
			}
		}
		s.end()
	}
}
