package procpool

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
	"github.com/poolkit/poolkit/pool"
)

// read receives replies until the worker's stream ends, then closes dead.
// A stream that breaks, or a reply that cannot be decoded or matches no
// request, ends the worker: it is killed and its error says why.
func (w *worker[In, Out]) read() {
	defer close(w.dead)
	for {
		r := new(wire.Reply[Out])
		err := w.conn.Receive(r)
		if err == nil {
			err = w.deliver(r)
		}
		if err != nil {
			w.mu.Lock()
			w.deadReason = err
			w.mu.Unlock()
			if !errors.Is(err, io.EOF) {
				w.kill()
			}
			return
		}
	}
}

// deliver settles the inputs a reply carries.
func (w *worker[In, Out]) deliver(r *wire.Reply[Out]) error {
	w.mu.Lock()
	pt := w.byID[r.ID]
	if pt == nil || r.From != pt.got || r.From+len(r.Outs) > pt.len() {
		w.mu.Unlock()
		return fmt.Errorf("procpool: worker sent a reply that matches no request (id %d, inputs %d to %d)", r.ID, r.From, r.From+len(r.Outs))
	}
	pt.got += len(r.Outs)
	now := time.Now()
	if w.inflight[0] == pt {
		w.headSince = now // progress
	}
	if r.Last {
		w.finish(pt, time.Duration(r.Took))
		w.headSince = now
	}
	if r.Retire && !w.retiring {
		w.retiring = true
		w.p.stats.recycled.Add(1)
		w.p.log.Info("procpool: recycling worker", "slot", w.slot.index, "pid", w.pid, "tasks", w.tasks.Load()+uint64(len(r.Outs)), "rss", r.RSS)
	}
	w.updateIdle()
	w.rearm()
	w.mu.Unlock()

	// Count first: once the results are out, the caller may look.
	w.tasks.Add(uint64(len(r.Outs)))
	if r.RSS > 0 {
		w.rss.Store(r.RSS)
	}
	j := pt.job
	j.addTook(time.Duration(r.Took))
	w.settleOutputs(pt, r)
	if r.Last {
		w.unrun(pt, r.Refused)
		j.partDone(pt)
		w.signal()
	}
	return nil
}

// settleOutputs settles the inputs whose results r carries.
func (w *worker[In, Out]) settleOutputs(pt *part[In, Out], r *wire.Reply[Out]) {
	j, fails := pt.job, r.Fails
	result := func(k int) (Out, error) {
		for len(fails) > 0 && fails[0].Index < r.From+k {
			fails = fails[1:] // the failure of an input settled already
		}
		if len(fails) > 0 && fails[0].Index == r.From+k {
			f := fails[0]
			fails = fails[1:]
			return r.Outs[k], failureError(f)
		}
		return r.Outs[k], nil
	}
	if pt.pos == nil {
		j.deliver(r.From, len(r.Outs), result)
		return
	}
	for k := range r.Outs {
		j.deliver(pt.index(r.From+k), 1, func(int) (Out, error) { return result(k) })
	}
}

// unrun handles the inputs of a finished part that the worker did not
// run: it was retiring, so they go to another worker; or it could not
// decode the request, so they are sent again one by one and only those
// that cannot be decoded fail.
func (w *worker[In, Out]) unrun(pt *part[In, Out], refused string) {
	j := pt.job
	idx := j.unsettled(pt)
	switch {
	case len(idx) == 0:
	case refused == "":
		w.p.intake.requeue(j.subpart(pt, idx))
	case len(idx) == 1 && pt.len() == 1:
		var zero Out
		j.settle(pt.index(0), zero, encodeError(fmt.Errorf("the worker cannot decode it: %s", refused)))
	default:
		singles := make([]*part[In, Out], len(idx))
		for i, k := range idx {
			singles[i] = j.subpart(pt, []int{k})
		}
		w.p.intake.requeue(singles...)
	}
}

// finish removes the finished pt from flight and adapts the depth. w.mu
// must be held.
func (w *worker[In, Out]) finish(pt *part[In, Out], took time.Duration) {
	for i, q := range w.inflight {
		if q == pt {
			w.inflight = append(w.inflight[:i], w.inflight[i+1:]...)
			break
		}
	}
	delete(w.byID, pt.id)
	// Keep enough requests in flight to cover a round trip of the pipe,
	// and two even for slow tasks, so the next is at hand the moment one
	// ends; a worker queues behind another only when no worker is idle
	// (hasRoom), so slow tasks do not wait behind each other for long.
	const roundTrip = 200 * time.Microsecond
	perRequest := max(took, time.Microsecond)
	w.depth = max(2, min(w.p.cfg.inFlight, 1+int(roundTrip/perRequest)))
}

// failureError turns a failure a worker reported into the input's error.
func failureError(f wire.Failure) error {
	switch f.Kind {
	case wire.Panic:
		return &pool.PanicError{Value: f.Message, Stack: []byte(f.Stack)}
	case wire.Goexit:
		return pool.ErrGoexit
	}
	return remoteError(f.Kind, f.Message)
}
