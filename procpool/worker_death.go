package procpool

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/poolkit/poolkit/pool"
)

// deadline returns when the running request must have returned or made
// progress: the kill grace after it was cancelled, or the timeout and the
// grace after it started or last reported progress. w.mu must be held.
func (w *worker[In, Out]) deadline() (time.Time, bool) {
	if len(w.inflight) == 0 {
		return time.Time{}, false
	}
	head, cfg := w.inflight[0], &w.p.cfg
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
	if !ok || w.killed != nil || w.reaped {
		w.mu.Unlock()
		return
	}
	if wait := time.Until(d); wait > 0 {
		w.dog.Reset(wait)
		w.mu.Unlock()
		return
	}
	head, grace := w.inflight[0], w.p.cfg.killGrace
	werr := &WorkerError{Kind: ErrKilled, Cause: context.DeadlineExceeded,
		Reason: fmt.Sprintf("the input ran past its %v timeout and ignored its cancelled context for %v", w.p.cfg.timeout, grace)}
	if head.cancelled {
		werr.Cause = head.job.cancellation()
		werr.Reason = fmt.Sprintf("the input ignored its cancelled context for %v", grace)
	}
	w.killed, w.killedPart = werr, head
	w.p.stats.killed.Add(1) // before the kill, so it is counted once the input settles
	w.killLocked()
	w.mu.Unlock()
	w.p.log.Warn("procpool: killed worker", "slot", w.slot.index, "pid", w.pid, "reason", werr.Reason)
}

// failInflight settles what was in flight on a worker that is gone. The
// running request's inputs fail with werr, or run again if Retries allows;
// the requests behind it never started and go back to the queue.
func (w *worker[In, Out]) failInflight(werr *WorkerError) {
	w.mu.Lock()
	parts, killedPart := w.inflight, w.killedPart
	w.inflight, w.byID = nil, map[uint64]*part[In, Out]{}
	w.dog.Stop()
	w.updateIdle()
	w.mu.Unlock()
	for i, pt := range parts {
		switch {
		case w.p.isAbandoned():
			pt.job.settleAll(pt, pool.ErrShutdownCancel)
			pt.job.partDone(pt)
		case i == 0 && werr.Kind == ErrKilled && pt != killedPart:
			// The input that was killed finished first; this one had just
			// started on the worker the kill took down.
			w.failRunning(pt, &WorkerError{Kind: ErrWorkerDied, Slot: werr.Slot, PID: werr.PID, Host: werr.Host,
				Status: werr.Status, Stderr: werr.Stderr, Reason: "killed because the input before this one " + strings.TrimPrefix(werr.Reason, "the input ")})
		case i == 0:
			w.failRunning(pt, werr)
		case pt.cancelled: // settled when it was cancelled
			pt.job.partDone(pt)
		default:
			w.p.intake.requeue(pt.job.unplace(pt))
		}
	}
}

// failRunning settles the inputs of the request that was running.
func (w *worker[In, Out]) failRunning(pt *part[In, Out], werr *WorkerError) {
	j := pt.job
	defer j.partDone(pt)
	var zero Out
	idx := j.unsettled(pt)
	if werr.Kind == ErrKilled && !pt.cancelled && len(idx) > 1 {
		// A timeout: the first input without a result was stuck, the
		// rest never started.
		w.p.intake.requeue(j.subpart(pt, idx[1:]))
		idx = idx[:1]
	}
	cfg := &w.p.cfg
	for _, k := range idx {
		i := pt.index(k)
		if werr.Kind == ErrKilled {
			j.settle(i, zero, werr)
			continue
		}
		switch kills := j.kill(i); {
		case cfg.retries > 0 && kills >= cfg.poisonAfter:
			j.settle(i, zero, &poisonError{kills: kills, last: werr})
		case kills <= cfg.retries:
			w.p.intake.requeue(j.subpart(pt, []int{k}))
		default:
			j.settle(i, zero, werr)
		}
	}
}
