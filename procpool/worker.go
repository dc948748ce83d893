package procpool

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
)

// worker is the pool's side of one worker process.
type worker[In, Out any] struct {
	p    *Pool[In, Out]
	slot *slot[In, Out]

	cmd     *exec.Cmd
	proc    *os.Process
	stdin   io.Closer // the request pipe
	replies io.Closer // the reply pipe
	conn    *wire.Conn
	stderr  *stderrLog
	pid     int    // the worker's own pid, from its Hello
	host    string // the worker's host, from its Hello

	mu         sync.Mutex
	inflight   []*part[In, Out] // sent and not finished, in order; the first is running
	byID       map[uint64]*part[In, Out]
	headSince  time.Time // when the first in flight started running, or last reported progress
	cancels    []uint64  // cancel requests to send
	depth      int       // how many requests may be in flight now
	retiring   bool      // take no more work; exit once idle
	idle       bool      // counted in the pool's idle workers (see updateIdle)
	killed     *WorkerError
	killedPart *part[In, Out] // the part running when the watchdog killed the worker
	reaped     bool           // waited for: its pid may be reused
	hardKill   *time.Timer    // kills a launcher that ignored SIGTERM
	dog        *time.Timer
	deadReason error // why the reply stream ended

	tasks atomic.Uint64 // inputs finished
	rss   atomic.Uint64

	wake chan struct{} // room in flight, a cancel to send, or retiring
	dead chan struct{} // closed when the reply stream ends
}

func newWorker[In, Out any](p *Pool[In, Out], s *slot[In, Out]) *worker[In, Out] {
	w := &worker[In, Out]{
		p:     p,
		slot:  s,
		byID:  make(map[uint64]*part[In, Out]),
		depth: 1, // until the first reply tells how long requests take
		wake:  make(chan struct{}, 1),
		dead:  make(chan struct{}),
	}
	w.dog = time.AfterFunc(time.Hour, w.checkDog)
	w.dog.Stop()
	return w
}

func (w *worker[In, Out]) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// hasRoom reports whether another request may go out: the worker is not
// retiring, has fewer than its depth in flight, and, to queue a request
// behind another, no other worker is idle.
func (w *worker[In, Out]) hasRoom() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.inflight)
	return !w.retiring && n < w.depth && (n == 0 || w.p.idle.Load() == 0)
}

// setIdle updates whether the worker counts as idle: ready, not retiring,
// nothing in flight. w.mu must not be held.
func (w *worker[In, Out]) setIdle() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.updateIdle()
}

// updateIdle is setIdle with w.mu held.
func (w *worker[In, Out]) updateIdle() {
	idle := !w.retiring && !w.reaped && len(w.inflight) == 0
	if idle != w.idle {
		w.idle = idle
		if idle {
			w.p.idle.Add(1)
		} else {
			w.p.idle.Add(-1)
		}
	}
}

// send records pt in flight and encodes it as a request. A part whose job
// was cancelled is dropped; inputs that cannot be encoded fail at once. It
// reports false if the worker can no longer be written to; pt is then left
// in flight for the worker's end to settle or move.
//
// The part is in flight before it is encoded: a large request is written
// while it is encoded, and the reply can come back before Send returns.
func (w *worker[In, Out]) send(pt *part[In, Out]) bool {
	j := pt.job
	if err := j.cancellation(); err != nil {
		j.settleAll(pt, err)
		j.partDone(pt)
		return true
	}
	id := w.p.nextID.Add(1)
	w.mu.Lock()
	j.mu.Lock()
	pt.id, pt.w = id, w
	cancelled := j.cancelled
	j.mu.Unlock()
	if len(w.inflight) == 0 {
		w.headSince = time.Now()
	}
	w.inflight = append(w.inflight, pt)
	w.byID[id] = pt
	w.updateIdle()
	w.rearm()
	w.mu.Unlock()

	err := w.conn.Send(&wire.Request[In]{Kind: wire.Run, ID: id, Ins: pt.inputs()})
	var broken *wire.WriteError
	switch {
	case errors.As(err, &broken):
		return false // the worker is gone; its end settles or moves pt
	case err != nil:
		w.unregister(pt) // nothing of it was written
		return w.unencodable(pt, err)
	case cancelled != nil:
		w.cancelPart(pt, cancelled)
	}
	return true
}

// unregister takes a part that was never written out of flight.
func (w *worker[In, Out]) unregister(pt *part[In, Out]) {
	w.mu.Lock()
	w.inflight = slices.DeleteFunc(w.inflight, func(q *part[In, Out]) bool { return q == pt })
	delete(w.byID, pt.id)
	w.updateIdle()
	w.rearm()
	w.mu.Unlock()
	pt.job.unplace(pt)
}

// unencodable handles a part that could not be encoded: a single input
// fails with the error; a larger part is sent again input by input, so
// only the inputs that cannot be encoded fail.
func (w *worker[In, Out]) unencodable(pt *part[In, Out], err error) bool {
	j := pt.job
	if pt.len() == 1 {
		var zero Out
		j.settle(pt.index(0), zero, encodeError(err))
		j.partDone(pt)
		return true
	}
	singles := make([]*part[In, Out], pt.len())
	for i := range singles {
		singles[i] = j.subpart(pt, []int{i})
	}
	j.partDone(pt) // before any single is sent, so a cancel sees only them
	for i, single := range singles {
		if !w.send(single) {
			w.p.intake.requeue(singles[i+1:]...)
			return false
		}
	}
	return true
}

// cancelPart asks the worker to stop pt. If pt is running, the worker has
// the kill grace to return; if it is only queued there, its inputs settle
// with err at once.
func (w *worker[In, Out]) cancelPart(pt *part[In, Out], err error) {
	w.mu.Lock()
	if !slices.Contains(w.inflight, pt) || pt.cancelled {
		w.mu.Unlock()
		return
	}
	pt.cancelled, pt.cancelAt = true, time.Now()
	running := w.inflight[0] == pt
	w.cancels = append(w.cancels, pt.id)
	w.rearm()
	w.mu.Unlock()
	w.signal()
	if !running {
		pt.job.settleAll(pt, err)
	}
}
