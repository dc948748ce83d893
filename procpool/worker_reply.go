package procpool

import (
	"fmt"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
	"github.com/poolkit/poolkit/pool"
)

// read receives replies until the worker's stream ends, then closes dead.
func (w *worker[In, Out]) read() {
	defer close(w.dead)
	for {
		r := new(wire.Reply[Out])
		if err := w.conn.Receive(r); err != nil {
			w.setDeadReason(err)
			return
		}
		if err := w.deliver(r); err != nil {
			w.setDeadReason(err)
			_ = killGroup(w.proc)
			return
		}
	}
}

func (w *worker[In, Out]) setDeadReason(err error) {
	w.mu.Lock()
	w.deadReason = err
	w.mu.Unlock()
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
	w.rearm()
	w.mu.Unlock()

	w.tasks.Add(uint64(len(r.Outs)))
	if r.RSS > 0 {
		w.rss.Store(r.RSS)
	}
	if r.Last {
		w.checkRecycle() // before the results are out, so no new input is sent first
	}
	j := pt.job
	j.addTook(time.Duration(r.Took))
	fails := r.Fails
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
	} else {
		for k := range r.Outs {
			j.deliver(pt.index(r.From+k), 1, func(int) (Out, error) { return result(k) })
		}
	}
	if r.Last {
		j.partDone(pt)
		w.signal()
	}
	return nil
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
	// but no more, so slow tasks do not wait behind each other.
	const roundTrip = 200 * time.Microsecond
	perRequest := max(took, time.Microsecond)
	w.depth = max(1, min(w.p.cfg.inFlight, 1+int(roundTrip/perRequest)))
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

// checkRecycle retires the worker once it has run RecycleAfter inputs or
// grown past MaxRSS.
func (w *worker[In, Out]) checkRecycle() {
	cfg := &w.p.cfg
	w.mu.Lock()
	retiring := w.retiring
	w.mu.Unlock()
	if retiring {
		return
	}
	switch {
	case cfg.recycleAfter > 0 && w.tasks.Load() >= cfg.recycleAfter:
		w.p.log.Info("procpool: recycling worker", "slot", w.slot.index, "pid", w.pid, "reason", "task count", "tasks", w.tasks.Load())
	case cfg.maxRSS > 0 && w.rss.Load() > cfg.maxRSS:
		w.p.log.Info("procpool: recycling worker", "slot", w.slot.index, "pid", w.pid, "reason", "rss", "rss", w.rss.Load())
	default:
		return
	}
	w.p.stats.recycled.Add(1)
	w.retire()
}
