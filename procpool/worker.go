package procpool

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
)

// worker is the pool's side of one worker process: its process, the pipe
// to it, and the table of requests in flight on it.
type worker[In, Out any] struct {
	p    *Pool[In, Out]
	slot *slot[In, Out]
	proc *proc
	conn *wire.Conn
	pid  int    // the worker's own pid, from its Hello
	host string // the worker's host, from its Hello

	// Guarded by Pool.mu: the worker's share of the supervisor's state.
	n        int  // requests in flight
	depth    int  // how many it may carry
	isIdle   bool // in Pool.idle
	retiring bool // takes no more requests: it reached a limit
	yielding bool // takes no more requests: it goes back to its set
	gone     bool // its process has ended or is ending

	writeMu    *sync.Mutex  // guards conn's write side: the handshake's, which a set's next pool takes over
	writers    atomic.Int32 // goroutines that want to write: the last one flushes
	unanswered atomic.Int64 // Run requests written without their last reply

	mu        sync.Mutex // guards the fields below
	flights   []*flight[In, Out]
	byID      map[uint64]*flight[In, Out]
	headSince time.Time // when the first in flight started, or last showed progress
	ended     bool      // its end took what was in flight: nothing more may go in
	killed    *WorkerError
	killedFor *flight[In, Out] // what was running when the watchdog killed it
	released  bool             // its process went back to its set: kill nothing
	dog       *time.Timer
	pulse     *time.Timer

	lease     *lease      // the set's process it serves; nil if the pool started it
	unbinding atomic.Bool // it was asked to go back to its set; set under writeMu

	lastHeard atomic.Int64 // unix nanoseconds of the last message from the worker
	tasks     atomic.Uint64
	rss       atomic.Uint64
}

// flight is a request in flight on a worker.
type flight[In, Out any] struct {
	req       *request[In, Out]
	got       int // inputs whose results came back
	cancelled bool
	cancelAt  time.Time
}

// newWorker returns the pool's side of a worker process whose handshake h
// completed.
func newWorker[In, Out any](s *slot[In, Out], pr *proc, h *handshake) *worker[In, Out] {
	w := &worker[In, Out]{p: s.p, slot: s, proc: pr, conn: h.conn, writeMu: &h.writeMu, pid: h.pid, host: h.host,
		depth: 1, byID: map[uint64]*flight[In, Out]{}}
	w.rss.Store(h.rss)
	w.dog = time.AfterFunc(time.Hour, w.checkDog)
	w.dog.Stop()
	w.lastHeard.Store(time.Now().UnixNano())
	return w
}

// sendAll sends each of rs.
func (w *worker[In, Out]) sendAll(rs []*request[In, Out]) {
	for _, r := range rs {
		w.send(r)
	}
}

// send puts r in flight on w and writes it. A request whose job was
// cancelled is dropped; one whose inputs cannot be encoded fails them (a
// single input) or goes back to the queue input by input, so only the
// inputs that cannot be encoded fail. If the worker can no longer be
// written to, r stays in flight for the worker's end to settle or move.
func (w *worker[In, Out]) send(r *request[In, Out]) {
	fl := &flight[In, Out]{req: r}
	w.mu.Lock()
	if w.ended { // it was handed r as it ended: r goes to another worker
		w.mu.Unlock()
		w.p.requeue(r)
		return
	}
	if len(w.flights) == 0 {
		w.headSince = time.Now()
	}
	w.flights = append(w.flights, fl)
	w.byID[r.id] = fl
	w.rearm()
	w.mu.Unlock()
	if !r.job.place(r, w) {
		w.unregister(fl)
		return
	}
	if !r.job.start() { // the caller cancelled it just now
		w.unregister(fl)
		r.job.retire(r)
		return
	}
	msg, err := w.message(r)
	if err == nil {
		err = w.writeRun(msg)
	}
	var broken *wire.WriteError
	switch {
	case err == nil, errors.As(err, &broken):
	default:
		w.unregister(fl)
		w.unencodable(r, err)
	}
}

// message builds the Run message for r: the inputs but the nil ones, which
// go apart, and the caller's deadline. It refuses inputs that point back
// to themselves, which gob would follow without end.
func (w *worker[In, Out]) message(r *request[In, Out]) (*wire.Request[In], error) {
	t := w.p.task
	ins := r.inputs()
	m := &wire.Request[In]{Kind: wire.Run, ID: r.id, Ins: ins, N: len(ins)}
	if d := r.job.deadline; !d.IsZero() {
		m.Deadline, m.Budget = d.UnixNano(), int64(max(time.Until(d), 1))
	}
	if t.inCycles {
		for _, in := range ins {
			if err := checkAcyclic(reflect.ValueOf(&in).Elem()); err != nil {
				return nil, err
			}
		}
	}
	if t.inNils {
		m.Ins, m.Nils = splitNils(ins)
	}
	return m, nil
}

// splitNils returns the non-nil values of ins, a slice of pointers, and
// the positions of the nil ones.
func splitNils[In any](ins []In) (vals []In, nils []int) {
	for i := range ins {
		if reflect.ValueOf(&ins[i]).Elem().IsNil() {
			nils = append(nils, i)
		}
	}
	if len(nils) == 0 {
		return ins, nil
	}
	vals = make([]In, 0, len(ins)-len(nils))
	for i, in := range ins {
		if len(nils) == 0 || nils[0] != i {
			vals = append(vals, in)
		}
	}
	return vals, nils
}

// writeRun encodes a Run request. It flushes only if no other request is
// unanswered: otherwise a reply to one of those will come, and the slot's
// goroutine flushes what waits once it has read the replies at hand (see
// read), so that requests sent while the worker is busy go out together
// in one write.
func (w *worker[In, Out]) writeRun(msg *wire.Request[In]) error {
	w.writeMu.Lock()
	defer w.writeMu.Unlock()
	if err := w.conn.Send(msg); err != nil {
		return err
	}
	if w.unanswered.Add(1) == 1 {
		return w.conn.Flush()
	}
	return nil
}

// flushWaiting writes the requests that writeRun left buffered. The slot's
// goroutine calls it before it waits for the next message: whatever that
// message would be (a last reply, a partial one, a heartbeat), the worker
// must have the requests first.
func (w *worker[In, Out]) flushWaiting() {
	if w.unanswered.Load() == 0 {
		return // writeRun flushed: nothing waits
	}
	w.writeMu.Lock()
	defer w.writeMu.Unlock()
	if w.conn.Buffered() > 0 {
		_ = w.conn.Flush()
	}
}

// write encodes msg and flushes it, unless another goroutine is waiting
// to write too: the last of them flushes for all. Once the worker has
// asked to go back to its set it writes nothing more (a cancel or trim
// that comes late is of a request already back): the process may serve
// another pool by then.
func (w *worker[In, Out]) write(msg any) error {
	w.writers.Add(1)
	w.writeMu.Lock()
	defer w.writeMu.Unlock()
	if w.unbinding.Load() {
		w.writers.Add(-1)
		return errUnbound
	}
	err := w.conn.Send(msg)
	if w.writers.Add(-1) == 0 || err != nil {
		if ferr := w.conn.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// unregister takes a flight that was never written out of the table.
func (w *worker[In, Out]) unregister(fl *flight[In, Out]) {
	w.mu.Lock()
	w.removeLocked(fl)
	w.rearm()
	w.mu.Unlock()
	w.p.requestBack(w, 0)
}

// removeLocked takes fl out of the table. w.mu must be held.
func (w *worker[In, Out]) removeLocked(fl *flight[In, Out]) {
	for i, f := range w.flights {
		if f == fl {
			w.flights = slices.Delete(w.flights, i, i+1)
			break
		}
	}
	delete(w.byID, fl.req.id)
}

// unencodable handles a request that could not be encoded: a single input
// fails with the error; a larger request goes back to the queue input by
// input, so only the inputs that cannot be encoded fail.
func (w *worker[In, Out]) unencodable(r *request[In, Out], err error) {
	j := r.job
	if r.len() == 1 {
		var zero Out
		j.settle(r.index(0), zero, encodeFailure(err))
		j.retire(r)
		return
	}
	singles := make([]*request[In, Out], r.len())
	for k := range singles {
		singles[k] = j.again(r, []int{k})
	}
	j.retire(r)
	w.p.requeue(singles...)
}

// cancel tells the worker to stop r, with cause. If r is running, the
// worker has the kill grace to return.
func (w *worker[In, Out]) cancel(r *request[In, Out], cause error) {
	w.mu.Lock()
	fl := w.byID[r.id]
	if fl == nil || fl.cancelled {
		w.mu.Unlock()
		return
	}
	fl.cancelled, fl.cancelAt = true, time.Now()
	w.rearm()
	w.mu.Unlock()
	msg := &wire.Request[In]{Kind: wire.Cancel, ID: r.id}
	if cause != nil && cause != context.Canceled {
		msg.Cause = encodeError(cause)
	}
	_ = w.write(msg)
}

// exitGrace bounds how long asking a worker to exit may wait for room in
// its pipe.
const exitGrace = time.Second

// askToExit tells the worker to exit and closes its stdin. A worker that
// reads the end of its stdin without being asked takes its parent for dead
// and kills its process group itself. A worker of a set that reached no
// limit is asked instead to go back to the set, once.
func (w *worker[In, Out]) askToExit() {
	if w.lease != nil && !w.isRetiring() {
		w.writeMu.Lock()
		defer w.writeMu.Unlock()
		if w.unbinding.CompareAndSwap(false, true) { // under writeMu: write sends nothing after it
			if w.conn.Send(&wire.Request[In]{Kind: wire.Unbind}) == nil {
				_ = w.conn.Flush()
			}
		}
		return
	}
	_ = w.proc.stdin.SetWriteDeadline(time.Now().Add(exitGrace))
	_ = w.write(&wire.Request[In]{Kind: wire.Exit})
	w.proc.closeInput()
}

// trim tells the worker to start no more inputs of the requests it
// carries: the ones it has not started come back unrun.
func (w *worker[In, Out]) trim() {
	w.mu.Lock()
	ids := make([]uint64, len(w.flights))
	for i, fl := range w.flights {
		ids[i] = fl.req.id
	}
	w.mu.Unlock()
	for _, id := range ids {
		_ = w.write(&wire.Request[In]{Kind: wire.Trim, ID: id})
	}
}

// deadline returns when the running request must have returned or shown
// progress: the kill grace after it was cancelled, or the timeout and the
// grace after it started or last showed progress. w.mu must be held.
func (w *worker[In, Out]) deadline() (time.Time, bool) {
	if len(w.flights) == 0 {
		return time.Time{}, false
	}
	head, cfg := w.flights[0], &w.p.cfg
	switch {
	case head.cancelled:
		from := head.cancelAt
		if w.headSince.After(from) {
			from = w.headSince
		}
		return from.Add(cfg.killGrace), true
	case cfg.timeout > 0:
		return w.headSince.Add(cfg.timeout + cfg.killGrace), true
	}
	return time.Time{}, false
}

// rearm sets the watchdog for the running request. w.mu must be held.
func (w *worker[In, Out]) rearm() {
	if d, ok := w.deadline(); ok {
		w.dog.Reset(time.Until(d))
	} else {
		w.dog.Stop()
	}
}

// checkDog kills the worker if its running request is past its deadline.
func (w *worker[In, Out]) checkDog() {
	w.mu.Lock()
	d, ok := w.deadline()
	if !ok || w.killed != nil {
		w.mu.Unlock()
		return
	}
	if wait := time.Until(d); wait > 0 {
		w.dog.Reset(wait)
		w.mu.Unlock()
		return
	}
	head, cfg := w.flights[0], &w.p.cfg
	werr := &WorkerError{Kind: ErrKilled, Cause: context.DeadlineExceeded,
		Reason: fmt.Sprintf("the input ran past its %v timeout and ignored its cancelled context for %v", cfg.timeout, cfg.killGrace)}
	if head.cancelled {
		werr.Kind, werr.Cause = ErrKilled, nil
		werr.Reason = fmt.Sprintf("the input ignored its cancelled context for %v", cfg.killGrace)
	}
	w.killed, w.killedFor = werr, head
	w.p.stats.killed.Add(1)
	w.mu.Unlock()
	w.kill()
	w.p.log.Warn("procpool: killed worker", "slot", w.slot.index, "pid", w.pid, "reason", werr.Reason)
}

// watchPulse starts the liveness check: a worker that sends nothing for
// the Liveness period is killed and treated as dead.
func (w *worker[In, Out]) watchPulse() {
	every := w.p.cfg.liveness / 2
	var check func()
	scheduled := time.Now().Add(every)
	check = func() {
		now := time.Now()
		late := now.Sub(scheduled)
		scheduled = now.Add(every)
		silent := now.Sub(time.Unix(0, w.lastHeard.Load()))
		w.mu.Lock()
		defer w.mu.Unlock()
		switch {
		case w.pulse == nil:
			return
		case late > every/2:
			// This process did not run for a while (it was stopped, or the
			// machine was): the worker's messages may be waiting unread.
		case silent > w.p.cfg.liveness && w.killed == nil:
			w.killed = &WorkerError{Kind: ErrWorkerDied,
				Reason: fmt.Sprintf("it sent nothing for %v (stopped, wedged, or cut off), more than the %v Liveness allows", silent.Round(time.Millisecond), w.p.cfg.liveness)}
			w.p.stats.killed.Add(1)
			go w.kill()
			return
		}
		w.pulse.Reset(every)
	}
	w.mu.Lock()
	w.pulse = time.AfterFunc(every, check)
	w.mu.Unlock()
}

// stopTimers stops the watchdog and the liveness check for good.
func (w *worker[In, Out]) stopTimers() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dog.Stop()
	if w.pulse != nil {
		w.pulse.Stop()
		w.pulse = nil
	}
}

// running counts the inputs in flight on w without a result.
func (w *worker[In, Out]) running() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, fl := range w.flights {
		n += fl.req.len() - fl.got
	}
	return n
}

// kill kills the worker's process group, unless the process went back to
// its set meanwhile and may serve another pool.
func (w *worker[In, Out]) kill() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.released {
		w.proc.kill()
	}
}

// open reports whether w takes requests. Pool.mu must be held.
func (w *worker[In, Out]) open() bool {
	return !w.retiring && !w.yielding && !w.gone
}

// isRetiring reports whether w was retired for reaching a limit.
func (w *worker[In, Out]) isRetiring() bool {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.retiring
}
