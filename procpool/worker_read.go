package procpool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
	"github.com/poolkit/poolkit/pool"
)

// serve reads w's replies until its stream ends, then reaps the process,
// settles or moves what was in flight, and frees the slot. It runs on the
// slot's goroutine.
func (w *worker[In, Out]) serve() {
	w.watchPulse()
	err := w.read()
	w.p.workerGone(w)
	w.stopTimers()
	if err == errUnbound { // nothing in flight: the process goes back to the set
		w.mu.Lock()
		w.released = true
		w.mu.Unlock()
		w.p.set.release(w.lease)
		w.p.slotFreed(w.slot, false)
		return
	}
	asked := errors.Is(err, io.EOF) && (w.p.isFinishing() || w.isRetiring())
	w.proc.kill() // gone or going: what it started goes with it
	werr := w.end(err, asked)
	w.failInflight(werr)
	if w.lease != nil {
		w.p.set.gone(w.lease)
	}
	w.p.slotFreed(w.slot, werr.Kind != nil)
}

// read receives replies until the stream ends, and returns why it did. A
// stream that breaks, or a reply that cannot be decoded or matches no
// request, ends the worker.
func (w *worker[In, Out]) read() error {
	for {
		r := new(wire.Reply[Out])
		err := w.conn.Receive(r)
		w.lastHeard.Store(time.Now().UnixNano())
		if err == nil {
			err = w.deliver(r)
		}
		if err == nil && !w.conn.Ready() {
			w.flushWaiting()
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && err != errUnbound {
				w.proc.kill()
			}
			return err
		}
	}
}

// deliver settles the inputs a reply carries.
func (w *worker[In, Out]) deliver(r *wire.Reply[Out]) error {
	if r.ID == 0 {
		return w.noResults(r)
	}
	w.mu.Lock()
	fl := w.byID[r.ID]
	if fl == nil || r.From != fl.got || r.From+r.N > fl.req.len() || len(r.Outs)+len(r.Nils)+len(r.Fails) != r.N {
		w.mu.Unlock()
		return fmt.Errorf("procpool: the worker sent a reply that matches no request (id %d, inputs %d to %d)", r.ID, r.From, r.From+r.N)
	}
	w.noteRSS(r.RSS)
	fl.got += r.N
	if w.flights[0] == fl || r.Last {
		w.headSince = time.Now() // progress
	}
	if r.Last {
		w.removeLocked(fl)
	}
	w.rearm()
	w.mu.Unlock()

	if r.Retire {
		w.p.retire(w, r.RSS)
	}
	w.tasks.Add(uint64(r.N))
	j := fl.req.job
	j.addTook(time.Duration(r.Took))
	var next []*request[In, Out]
	if r.Last {
		next = w.p.freeRoom(w, time.Duration(r.Took))
	}
	settleReply(fl.req, r)
	if r.Last {
		w.unrun(fl.req, r.Refused)
		j.retire(fl.req)
		w.p.sendNext(w, next)
		w.unanswered.Add(-1)
	}
	return nil
}

// noResults handles a reply that carries no results: a heartbeat, which
// may report RSS, or the answer to Unbind.
func (w *worker[In, Out]) noResults(r *wire.Reply[Out]) error {
	w.noteRSS(r.RSS)
	switch {
	case r.Unbound && w.unbinding.Load() && w.running() == 0:
		return errUnbound
	case r.Unbound:
		return errors.New("procpool: the worker left its task unasked, or with inputs in flight")
	}
	return nil
}

// noteRSS records the worker's resident memory, if measured.
func (w *worker[In, Out]) noteRSS(rss uint64) {
	if rss > 0 {
		w.rss.Store(rss)
		if w.lease != nil {
			w.lease.rss.Store(rss)
		}
	}
}

// settleReply settles the inputs whose results r carries.
func settleReply[In, Out any](req *request[In, Out], r *wire.Reply[Out]) {
	outs, nils, fails := r.Outs, r.Nils, r.Fails
	req.job.settleEach(r.N, func(k int) (int, Out, error) {
		pos := r.From + k
		var out Out
		var err error
		switch {
		case len(fails) > 0 && fails[0].Index == pos:
			err = failureError(&fails[0])
			fails = fails[1:]
		case len(nils) > 0 && nils[0] == pos:
			nils = nils[1:]
		case len(outs) > 0:
			out, outs = outs[0], outs[1:]
		}
		return req.index(pos), out, err
	})
}

// failureError turns a failure a worker reported into the input's error.
func failureError(f *wire.Failure) error {
	switch f.Kind {
	case wire.Panic:
		return &pool.PanicError{Value: panicValue(f), Stack: []byte(f.Stack)}
	case wire.Goexit:
		return pool.ErrGoexit
	case wire.Undeliverable:
		return encodeFailure(errors.New(f.Message))
	}
	if err := decodeError(f.Err); err != nil {
		return err
	}
	return errors.New(f.Message)
}

// unrun handles the inputs of a finished request that the worker did not
// run: it was retiring, so they go to another worker; or CancelQueued
// trimmed them, so they settle as cancelled; or it could not decode the
// request, so they are sent again one by one and only those that cannot
// be decoded fail.
func (w *worker[In, Out]) unrun(r *request[In, Out], refused string) {
	j := r.job
	idx := j.unsettled(r)
	switch {
	case len(idx) == 0:
	case refused == "" && w.p.isDropping():
		var zero Out
		j.settleEach(len(idx), func(k int) (int, Out, error) { return r.index(idx[k]), zero, pool.ErrShutdownCancel })
	case refused == "":
		w.p.requeue(j.again(r, idx))
	case len(idx) == 1 && r.len() == 1:
		var zero Out
		j.settle(r.index(0), zero, encodeFailure(fmt.Errorf("the worker cannot decode it: %s", refused)))
	default:
		singles := make([]*request[In, Out], len(idx))
		for i, k := range idx {
			singles[i] = j.again(r, []int{k})
		}
		w.p.requeue(singles...)
	}
}

// end reaps the worker's process and describes how it ended. The error's
// Kind is nil for a worker that exited as asked with nothing in flight.
func (w *worker[In, Out]) end(readErr error, asked bool) *WorkerError {
	w.mu.Lock()
	werr, idle := w.killed, len(w.flights) == 0
	w.mu.Unlock()
	if werr == nil {
		werr = &WorkerError{}
		if !asked || !idle {
			werr.Kind = ErrWorkerDied
		}
		if readErr != nil && !errors.Is(readErr, io.EOF) && !errors.Is(readErr, os.ErrClosed) {
			werr.Err = readErr
		}
	}
	exit := w.proc.wait()
	werr.Slot, werr.PID, werr.Host = w.slot.index, w.pid, remoteHost(w.host)
	werr.ExitCode, werr.Signal, werr.Status = exit.code, exit.signal, exit.text
	werr.Stderr = w.proc.stderr.lastLines()
	w.p.logExit(werr)
	return werr
}

// failInflight settles what was in flight on a worker that is gone. The
// running request's inputs fail with werr, or run again if Retries allows;
// the requests behind it never started and go back to the queue.
func (w *worker[In, Out]) failInflight(werr *WorkerError) {
	w.mu.Lock()
	flights, killedFor := w.flights, w.killedFor
	w.flights, w.byID, w.ended = nil, map[uint64]*flight[In, Out]{}, true
	w.mu.Unlock()
	for i, fl := range flights {
		r := fl.req
		switch {
		case w.p.stop.Err() != nil:
			r.job.fail(r, pool.ErrShutdownCancel)
		case i == 0 && werr.Kind == ErrKilled && fl != killedFor:
			// The input that was killed finished first; this one had just
			// started on the worker the kill took down.
			w.failRunning(fl, &WorkerError{Kind: ErrWorkerDied, Slot: werr.Slot, PID: werr.PID, Host: werr.Host,
				ExitCode: werr.ExitCode, Signal: werr.Signal, Status: werr.Status, Stderr: werr.Stderr,
				Reason: "killed because the input before this one " + strings.TrimPrefix(werr.Reason, "the input ")})
		case i == 0:
			w.failRunning(fl, werr)
		case fl.cancelled: // settled when it was cancelled
			r.job.retire(r)
		default:
			again := r.job.again(r, allPositions(r.len()))
			r.job.retire(r)
			w.p.requeue(again)
		}
	}
}

// allPositions returns 0, 1, ..., n-1.
func allPositions(n int) []int {
	ks := make([]int, n)
	for i := range ks {
		ks[i] = i
	}
	return ks
}

// failRunning settles the inputs of the request that was running when its
// worker died. Only the input that was running is charged with the death
// when the worker reported each input (with a Timeout or Retries); the
// others run again. Without, every input without a result fails, since
// any of them may have run.
func (w *worker[In, Out]) failRunning(fl *flight[In, Out], werr *WorkerError) {
	r, cfg := fl.req, &w.p.cfg
	j := r.job
	idx := j.unsettled(r)
	if len(idx) > 1 && (w.p.setup.reportEach || werr.Kind == ErrKilled) {
		w.p.requeue(j.again(r, idx[1:]))
		idx = idx[:1]
	}
	var zero Out
	for _, k := range idx {
		i := r.index(k)
		if werr.Kind == ErrKilled {
			j.settle(i, zero, werr)
			continue
		}
		switch deaths := j.died(i); {
		case cfg.retries > 0 && deaths >= cfg.poisonAfter:
			j.settle(i, zero, &PoisonError{Deaths: deaths, Last: werr})
		case deaths <= cfg.retries:
			w.p.requeue(j.again(r, []int{k}))
		default:
			j.settle(i, zero, werr)
		}
	}
	j.retire(r)
}
