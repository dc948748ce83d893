package procpool

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
)

// begin starts running s.cur. It reports false if s.cur is answered
// without running: the worker could not decode it, or is retiring.
func (s *session[In, Out]) begin() bool {
	ctx, cancel := context.WithCancel(context.Background())
	id := s.cur.ID
	s.mu.Lock()
	refusal := s.refused[id]
	delete(s.refused, id)
	s.running, s.cancelRun = id, cancel
	if s.cancelled[id] {
		delete(s.cancelled, id)
		cancel()
	}
	s.mu.Unlock()
	s.ctx, s.pos = ctx, 0
	s.reply = wire.Reply[Out]{ID: id, Outs: make([]Out, 0, len(s.cur.Ins)), Refused: refusal}
	s.start = time.Now()
	s.lastSend = s.start
	if refusal != "" || s.retiring {
		s.end()
		return false
	}
	// Deliver the replies so far before user code runs again: if it
	// crashes the worker, they must not be lost with it.
	s.flush()
	return true
}

// afterInput counts an input and checks the worker's limits.
func (s *session[In, Out]) afterInput() {
	s.ran++
	if s.lim.recycleAfter > 0 && s.ran >= s.lim.recycleAfter {
		s.retiring = true
	}
	if s.lim.maxRSS > 0 && time.Since(s.lastRSS) >= rssLimitEvery {
		s.measure()
		if s.reply.RSS > s.lim.maxRSS {
			s.retiring = true
		}
	}
}

// measure records the worker's resident memory in the reply.
func (s *session[In, Out]) measure() {
	s.reply.RSS = residentBytes()
	s.lastRSS = time.Now()
}

// runFrom runs the inputs of s.cur from s.pos on. It reports false if a
// task called runtime.Goexit, after starting a goroutine to carry on.
func (s *session[In, Out]) runFrom() (returned bool) {
	defer func() {
		if returned {
			return
		}
		r := recover()
		if r == nil {
			s.fail(wire.Goexit, "task called runtime.Goexit", "")
			s.pos++
			s.afterInput()
			go s.loop()
			return
		}
		s.fail(wire.Panic, fmt.Sprint(r), string(debug.Stack()))
		s.pos++
		s.afterInput()
		returned = true
	}()
	for ; s.pos < len(s.cur.Ins) && !s.retiring; s.pos++ {
		s.runOne(s.cur.Ins[s.pos])
		s.afterInput()
		// With a timeout, report every input at once: if the next one
		// hangs and the worker is killed, the parent knows which it was.
		if s.pos+1 < len(s.cur.Ins) && !s.retiring && (s.lim.timeout > 0 || time.Since(s.lastSend) >= partialEvery) {
			s.send(false)
		}
	}
	return true
}

// runOne runs one input and records its result.
func (s *session[In, Out]) runOne(in In) {
	if err := s.ctx.Err(); err != nil {
		s.fail(wire.Canceled, "input cancelled before it started: "+err.Error(), "")
		return
	}
	ctx := s.ctx
	if s.lim.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.lim.timeout)
		defer cancel()
	}
	out, err := s.fn(ctx, in)
	if err != nil {
		s.fail(failureKind(err), err.Error(), "")
		return
	}
	s.reply.Outs = append(s.reply.Outs, out)
}

func failureKind(err error) wire.FailureKind {
	switch {
	case errors.Is(err, context.Canceled):
		return wire.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return wire.DeadlineExceeded
	}
	return wire.Error
}

// fail records the failure of the input at s.pos.
func (s *session[In, Out]) fail(kind wire.FailureKind, msg, stack string) {
	var zero Out
	s.reply.Fails = append(s.reply.Fails, wire.Failure{Index: s.pos, Kind: kind, Message: msg, Stack: stack})
	s.reply.Outs = append(s.reply.Outs, zero)
}

// end finishes s.cur: the last reply says so, and says whether the worker
// is retiring, in which case the inputs not run go elsewhere.
func (s *session[In, Out]) end() {
	s.mu.Lock()
	s.cancelRun()
	s.cancelRun = nil
	s.mu.Unlock()
	if s.reply.RSS == 0 && time.Since(s.lastRSS) >= rssEvery {
		s.measure()
	}
	s.reply.Retire = s.retiring && s.reply.Refused == ""
	s.send(true)
	s.cur = nil
}

// send sends the results gathered since the last send.
func (s *session[In, Out]) send(last bool) {
	r := &s.reply
	r.Last = last
	now := time.Now()
	r.Took = int64(now.Sub(s.start))
	s.writeMu.Lock()
	if err := s.c.Send(r); err != nil {
		s.sendEach(err)
	}
	if !last {
		_ = s.c.Flush()
	}
	s.writeMu.Unlock()
	s.start, s.lastSend = now, now
	r.From += len(r.Outs)
	r.Outs, r.Fails, r.RSS = r.Outs[:0], r.Fails[:0], 0
}

// sendEach sends the results of r one by one after sending them together
// failed, replacing each output that cannot be sent with a failure.
func (s *session[In, Out]) sendEach(err error) {
	r := s.reply
	for i := range r.Outs {
		one := wire.Reply[Out]{ID: r.ID, From: r.From + i, Outs: r.Outs[i : i+1], Took: r.Took, Last: r.Last && i == len(r.Outs)-1}
		for _, f := range r.Fails {
			if f.Index == r.From+i {
				one.Fails = []wire.Failure{f}
			}
		}
		if s.c.Send(&one) != nil {
			var zero Out
			one.Outs = []Out{zero}
			one.Fails = []wire.Failure{{Index: one.From, Kind: wire.Undeliverable,
				Message: fmt.Sprintf("procpool: the output cannot be sent to the parent: %v", err)}}
			_ = s.c.Send(&one)
		}
	}
}

// flush writes buffered replies to the parent.
func (s *session[In, Out]) flush() {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	_ = s.c.Flush()
}
