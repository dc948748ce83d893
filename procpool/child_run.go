package procpool

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/poolkit/poolkit/internal/guard"
	"github.com/poolkit/poolkit/internal/wire"
)

// running is the request the runner works on.
type running[In, Out any] struct {
	in       *incoming[In]
	ins      []In // the request's inputs, nils in place
	pos      int  // the next input to run
	reply    wire.Reply[Out]
	start    time.Time
	lastSend time.Time
	clock    clockStride // when afterInput reads the clock
}

// clockStride spaces out the clock reads of a request's inputs. Reading
// the clock costs about as much as a tiny task, so a request of quick
// inputs reads it once every stride inputs, the stride doubling (up to
// maxStride) while that many inputs take under an eighth of partialEvery,
// and falling back to every input once they take longer. A request whose
// inputs turn slow all at once sends its partial results at most a stride
// of inputs late.
type clockStride struct {
	stride int       // inputs between reads; 0 before the first
	left   int       // inputs until the next read
	last   time.Time // the last read
}

const maxStride = 64

// due reports whether d has passed since from, reading the clock, now,
// only when the stride says so.
func (c *clockStride) due(from time.Time, d time.Duration, clock func() time.Time) bool {
	if c.left--; c.left > 0 {
		return false
	}
	now := clock()
	switch {
	case c.stride == 0:
		c.stride = 1
	case now.Sub(c.last) < d/8:
		c.stride = min(2*c.stride, maxStride)
	default:
		c.stride = 1
	}
	c.left, c.last = c.stride, now
	return now.Sub(from) >= d
}

// runner runs requests in order until the task is unbound or the process
// exits, starting with the rest of r if it is not nil: a task that calls
// runtime.Goexit ends the runner's goroutine, and a new one carries on
// where it stopped.
func (s *session[In, Out]) runner(r *running[In, Out]) {
	defer s.wg.Done()
	for {
		if r == nil {
			in := s.next()
			if in == nil {
				return
			}
			r = s.begun(in)
		}
		if r != nil {
			s.runInputs(r)
			s.end(r)
		}
		r = nil
	}
}

// begun prepares the run of in, or answers it at once and returns nil if
// it cannot run: the worker could not decode it, or is retiring.
func (s *session[In, Out]) begun(in *incoming[In]) *running[In, Out] {
	r := &running[In, Out]{in: in, start: time.Now()}
	r.lastSend = r.start
	r.reply = wire.Reply[Out]{ID: in.req.ID, Refused: in.refusal}
	if in.refusal != "" || s.life.retiring || in.trimmed.Load() {
		s.end(r)
		return nil
	}
	r.ins = withNils(in.req.Ins, in.req.Nils, in.req.N)
	// Deliver the replies so far before user code runs again: if it
	// crashes the worker, they must not be lost with it.
	s.flush()
	return r
}

// withNils returns ins with the zero value put back at the positions in
// nils, n inputs in all.
func withNils[In any](ins []In, nils []int, n int) []In {
	if len(nils) == 0 {
		return ins
	}
	all := make([]In, 0, max(n, len(ins)+len(nils)))
	next := 0
	for i := range cap(all) {
		if len(nils) > 0 && nils[0] == i {
			var zero In
			all = append(all, zero)
			nils = nils[1:]
			continue
		}
		if next < len(ins) {
			all = append(all, ins[next])
			next++
		}
	}
	return all
}

// runInputs runs r's inputs from r.pos on, until the end or a limit.
func (s *session[In, Out]) runInputs(r *running[In, Out]) {
	for r.pos < len(r.ins) && !s.life.retiring && !r.in.trimmed.Load() {
		s.runOne(r)
		s.afterInput(r)
	}
}

// runOne runs the input at r.pos and records its result. A panic becomes
// the input's failure. If the task calls runtime.Goexit, the input fails
// with it and a new runner goroutine carries on with the rest of r.
func (s *session[In, Out]) runOne(r *running[In, Out]) {
	ctx := r.in.ctx
	if err := ctx.Err(); err != nil {
		s.fail(r, wire.Failure{Kind: wire.Failed, Err: encodeError(context.Cause(ctx))})
		return
	}
	if t := time.Duration(s.setup.Timeout); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	var (
		out Out
		err error
	)
	value, stack, panicked := guard.Call(func() { out, err = s.task.fn(ctx, r.ins[r.pos]) }, func() {
		s.fail(r, wire.Failure{Kind: wire.Goexit})
		s.afterInput(r)
		s.wg.Add(1)
		go s.runner(r)
	})
	if panicked {
		f := panicFailure(value)
		f.Stack = string(stack)
		s.fail(r, f)
		return
	}
	s.record(r, out, err)
}

// record records the result of the input at r.pos.
func (s *session[In, Out]) record(r *running[In, Out], out Out, err error) {
	switch {
	case err != nil:
		s.fail(r, wire.Failure{Kind: wire.Failed, Err: encodeError(err)})
	case s.task.outNils && reflect.ValueOf(&out).Elem().IsNil():
		r.reply.Nils = append(r.reply.Nils, r.pos)
		r.reply.N++
	default:
		if s.task.outCycles {
			if err := checkAcyclic(reflect.ValueOf(out)); err != nil {
				s.fail(r, undeliverable(err))
				return
			}
		}
		r.reply.Outs = append(r.reply.Outs, out)
		r.reply.N++
	}
}

// undeliverable is the failure of an output that cannot be sent.
func undeliverable(err error) wire.Failure {
	return wire.Failure{Kind: wire.Undeliverable, Message: fmt.Sprintf("the output cannot be sent to the parent: %v", err)}
}

// fail records the failure of the input at r.pos.
func (s *session[In, Out]) fail(r *running[In, Out], f wire.Failure) {
	f.Index = r.pos
	r.reply.Fails = append(r.reply.Fails, f)
	r.reply.N++
}

// afterInput moves past an input, checks the worker's limits, and sends
// the results so far when the parent needs them: after every input when
// it must know which input runs (with a Timeout or Retries), otherwise
// every partialEvery.
func (s *session[In, Out]) afterInput(r *running[In, Out]) {
	r.pos++
	s.life.ran++
	lim := s.setup
	if lim.RecycleAfter > 0 && s.life.ran >= lim.RecycleAfter {
		s.life.retiring = true
	}
	if lim.MaxRSS > 0 && time.Since(s.life.lastRSS) >= rssLimitEvery {
		if s.measure(&r.reply) > lim.MaxRSS {
			s.life.retiring = true
		}
	}
	if r.pos < len(r.ins) && !s.life.retiring && (lim.ReportEach || r.clock.due(r.lastSend, partialEvery, time.Now)) {
		s.send(r, false)
	}
}

// measure records the worker's resident memory in reply and returns it.
func (s *session[In, Out]) measure(reply *wire.Reply[Out]) uint64 {
	reply.RSS = residentBytes()
	s.life.lastRSS = time.Now()
	return reply.RSS
}

// end finishes r: the last reply says so, and says whether the worker is
// retiring, in which case the inputs not run go elsewhere.
func (s *session[In, Out]) end(r *running[In, Out]) {
	s.mu.Lock()
	if s.current == r.in {
		s.current = nil
	}
	s.mu.Unlock()
	if r.in.cancel != nil {
		r.in.cancel(nil)
	}
	if r.reply.RSS == 0 && time.Since(s.life.lastRSS) >= rssEvery {
		s.measure(&r.reply)
	}
	r.reply.Retire = s.life.retiring && r.reply.Refused == ""
	s.send(r, true)
}

// send sends the results gathered since the last send; the last reply of
// a request is flushed once no other request waits.
func (s *session[In, Out]) send(r *running[In, Out], last bool) {
	rep := &r.reply
	rep.Last = last
	now := time.Now()
	rep.Took = int64(now.Sub(r.start))
	flush := !last || s.idle()
	s.writeMu.Lock()
	if s.c.Send(rep) != nil {
		s.sendEach(rep)
	}
	if flush {
		_ = s.c.Flush()
	}
	s.writeMu.Unlock()
	r.start, r.lastSend = now, now
	rep.From += rep.N
	rep.N, rep.Outs, rep.Nils, rep.Fails, rep.RSS = 0, rep.Outs[:0], rep.Nils[:0], rep.Fails[:0], 0
}

// idle reports whether no request waits to run.
func (s *session[In, Out]) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) == 0
}

// sendEach sends the results of rep one input at a time after sending
// them together failed, replacing each output that cannot be sent with a
// failure. s.writeMu must be held.
func (s *session[In, Out]) sendEach(rep *wire.Reply[Out]) {
	outs, nils, fails := rep.Outs, rep.Nils, rep.Fails
	for i := range rep.N {
		pos := rep.From + i
		one := wire.Reply[Out]{ID: rep.ID, From: pos, N: 1, Took: rep.Took, Last: rep.Last && i == rep.N-1}
		switch {
		case len(fails) > 0 && fails[0].Index == pos:
			one.Fails, fails = fails[:1], fails[1:]
		case len(nils) > 0 && nils[0] == pos:
			one.Nils, nils = nils[:1], nils[1:]
		default:
			one.Outs, outs = outs[:1], outs[1:]
		}
		if err := s.c.Send(&one); err != nil {
			one.Outs, one.Nils = nil, nil
			one.Fails = []wire.Failure{undeliverable(err)}
			one.Fails[0].Index = pos
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

// beat sends a heartbeat every d, so the parent knows the worker is alive
// while a task runs and while it waits, with its memory now and then.
func (s *session[In, Out]) beat(d time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(d)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-t.C:
		case <-s.quit:
			return
		}
		hb := wire.Reply[Out]{}
		if time.Since(last) >= heartbeatRSSEvery {
			hb.RSS, last = residentBytes(), time.Now()
		}
		s.writeMu.Lock()
		err := s.c.Send(&hb)
		if err == nil {
			err = s.c.Flush()
		}
		s.writeMu.Unlock()
		var broken *wire.WriteError
		if errors.As(err, &broken) {
			return
		}
	}
}
