package procpool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
)

// partialEvery is how often a worker sends the results of a long request
// so far, so the parent learns of progress and a crash loses little.
const partialEvery = time.Millisecond

// rssEvery is how often a worker measures its memory when nothing asks
// for more: with MaxRSS it measures after every input, at most every
// rssLimitEvery.
const (
	rssEvery      = 100 * time.Millisecond
	rssLimitEvery = time.Millisecond
)

func (t *Task[In, Out]) signature() string { return t.sig }

// serve runs requests from c until the parent unbinds the task, or asks
// the worker to exit or is gone, in which case it exits the process
// through ex.
func (t *Task[In, Out]) serve(c *wire.Conn, setup *wire.Setup, ex *exiter, life *workerLife) {
	s := &session[In, Out]{
		task:    t,
		c:       c,
		setup:   setup,
		ex:      ex,
		life:    life,
		waiting: map[uint64]*wire.Error{},
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
	}
	if setup.Heartbeat > 0 {
		s.wg.Add(1)
		go s.beat(time.Duration(setup.Heartbeat))
	}
	s.wg.Add(1)
	go s.runner(nil)
	s.read()
}

// session is a worker serving one parent. The reader goroutine receives
// requests and cancels; the runner goroutine runs requests one at a time,
// in order, and sends their results; the heartbeat goroutine proves the
// worker alive while the runner is busy.
type session[In, Out any] struct {
	task  *Task[In, Out]
	c     *wire.Conn
	setup *wire.Setup
	ex    *exiter
	life  *workerLife   // runner only
	quit  chan struct{} // closed when the task is unbound: the runner and the heartbeat end
	wg    sync.WaitGroup

	mu      sync.Mutex // guards the fields below, shared by reader and runner
	queue   []*incoming[In]
	waiting map[uint64]*wire.Error // cancels of requests not yet run, with their causes
	current *incoming[In]          // the request running
	wake    chan struct{}

	writeMu sync.Mutex // guards c's write side
}

// incoming is a request as the worker received it.
type incoming[In any] struct {
	req      wire.Request[In]
	at       time.Time // when it arrived, for a budget
	refusal  string    // why it cannot be run, if it cannot
	trimmed  atomic.Bool
	ctx      context.Context
	cancel   context.CancelCauseFunc
	deadline bool // it carries the caller's deadline
}

// read receives requests until the parent unbinds the task; if the
// parent closes the pipe, the process exits.
func (s *session[In, Out]) read() {
	refused := false // the last message was refused
	for {
		in := &incoming[In]{}
		err := s.c.Receive(&in.req)
		in.at = time.Now()
		var broken *wire.ReadError
		afterRefusal := refused
		refused = err != nil && in.req.Kind == wire.Run && in.req.ID != 0
		switch {
		case errors.As(err, &broken):
			// A parent that asks a worker to exit says so first: a pipe
			// that ends without it means the parent is gone.
			if !errors.Is(err, io.EOF) {
				fmt.Fprintf(os.Stderr, "procpool worker: reading a request: %v\n", err)
			}
			s.ex.orphaned(4)
		case err != nil && in.req.Kind == wire.Run && in.req.ID != 0:
			in.refusal = refusal(err)
			s.enqueue(in) // the message was whole; answer it
		case err != nil && afterRefusal && in.req.ID == 0:
			// gob leaves part of a message it refused, the definition of
			// the type it could not take, to fail on its own: skip it.
		case err != nil:
			fmt.Fprintf(os.Stderr, "procpool worker: decoding a request: %v\n", err)
			s.ex.orphaned(4)
		case in.req.Kind == wire.Run:
			s.enqueue(in)
		case in.req.Kind == wire.Cancel:
			s.cancel(in.req.ID, in.req.Cause)
		case in.req.Kind == wire.Trim:
			s.trim(in.req.ID)
		case in.req.Kind == wire.Exit:
			s.ex.asked()
		case in.req.Kind == wire.Unbind:
			s.unbind()
			return
		}
	}
}

// unbind ends the session: the parent unbinds a task only once every
// request it sent has come back, so the runner is waiting for work. Once
// it and the heartbeat have stopped, the worker says it is unbound.
func (s *session[In, Out]) unbind() {
	close(s.quit)
	s.wg.Wait()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.c.Send(&wire.Reply[Out]{Unbound: true}) != nil || s.c.Flush() != nil {
		s.ex.orphaned(4)
	}
}

// refusal says why a request could not be decoded, with advice where the
// cause is a common mistake.
func refusal(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "name not registered for interface") || strings.Contains(msg, "unknown type id") {
		msg += " (a type sent inside an interface must be registered with gob.Register in every process: " +
			"call it in an init function or a package-level var, not in main, since a worker does not run main)"
	}
	return msg
}

// enqueue queues in for the runner.
func (s *session[In, Out]) enqueue(in *incoming[In]) {
	s.mu.Lock()
	s.queue = append(s.queue, in)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// cancel cancels the request with id, running or waiting, with the cause
// the parent sent. A cancel for the caller's deadline is left to the
// request's own deadline, which passes at the same moment, so the task
// sees context.DeadlineExceeded as it would on goroutines.
func (s *session[In, Out]) cancel(id uint64, cause *wire.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.current; cur != nil && cur.req.ID == id {
		cur.stop(cause)
		return
	}
	for _, in := range s.queue {
		if in.req.ID == id {
			s.waiting[id] = cause
			return
		}
	}
	// Not received yet (it may follow), or finished: a request id is
	// only cancelled after it was sent, so remember it until it comes.
	if len(s.waiting) < 1<<16 {
		s.waiting[id] = cause
	}
}

// trim stops the request with id, running or waiting, from starting any
// more of its inputs.
func (s *session[In, Out]) trim(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.current; cur != nil && cur.req.ID == id {
		cur.trimmed.Store(true)
		return
	}
	for _, in := range s.queue {
		if in.req.ID == id {
			in.trimmed.Store(true)
		}
	}
}

// stop cancels a running request's context.
func (in *incoming[In]) stop(cause *wire.Error) {
	err := decodeError(cause)
	if err == nil {
		err = context.Canceled
	}
	if in.deadline && errors.Is(err, context.DeadlineExceeded) {
		return
	}
	in.cancel(err)
}

// next waits for the next request and makes it current, or returns nil
// once the task is unbound.
func (s *session[In, Out]) next() *incoming[In] {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			in := s.queue[0]
			s.queue[0] = nil
			s.queue = s.queue[1:]
			s.current = in
			s.begin(in)
			s.mu.Unlock()
			return in
		}
		s.mu.Unlock()
		select {
		case <-s.wake:
		case <-s.quit:
			return nil
		}
	}
}

// begin gives in its context: the caller's deadline, and a cancel that
// arrived before it did. s.mu must be held.
func (s *session[In, Out]) begin(in *incoming[In]) {
	ctx := context.Background()
	var stopDeadline context.CancelFunc = func() {}
	switch {
	case in.req.Deadline != 0 && s.setup.SameClock:
		ctx, stopDeadline = context.WithDeadline(ctx, time.Unix(0, in.req.Deadline))
		in.deadline = true
	case in.req.Budget != 0:
		ctx, stopDeadline = context.WithDeadline(ctx, in.at.Add(time.Duration(in.req.Budget)))
		in.deadline = true
	}
	ctx, cancel := context.WithCancelCause(ctx)
	in.ctx = ctx
	in.cancel = func(err error) {
		cancel(err)
		if err == nil {
			stopDeadline()
		}
	}
	if cause, ok := s.waiting[in.req.ID]; ok {
		delete(s.waiting, in.req.ID)
		in.stop(cause)
	}
}
