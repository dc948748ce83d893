package procpool

import "github.com/poolkit/poolkit/internal/wire"

// pump sends work to the worker, first first if it is not nil, until the
// worker retires, dies, or the pool has no more work.
func (w *worker[In, Out]) pump(first *part[In, Out]) {
	if first != nil && !w.sendUnlessAbandoned(first) {
		return
	}
	queue := w.p.intake.queue
	for {
		pt, ok := w.next(&queue)
		if !ok || !w.sendUnlessAbandoned(pt) {
			return
		}
	}
}

// sendUnlessAbandoned sends pt, or puts it back for Shutdown to settle if
// Shutdown has given up waiting.
func (w *worker[In, Out]) sendUnlessAbandoned(pt *part[In, Out]) bool {
	if _, ok := w.p.unlessAbandoned(pt); !ok {
		return false
	}
	return w.send(pt)
}

// next returns the next part to send. While it waits it sends cancel
// requests and flushes what is buffered. It reports false when the pump
// should stop. *queue is set to nil once the queue is closed and drained.
func (w *worker[In, Out]) next(queue *chan *part[In, Out]) (*part[In, Out], bool) {
	q := w.p.intake
	for {
		if !w.sendCancels() {
			return nil, false
		}
		room := w.hasRoom()
		if room {
			if pt := q.popRetry(); pt != nil {
				return pt, true
			}
			select {
			case pt, ok := <-*queue:
				if ok {
					return pt, true
				}
				*queue = nil
			default:
			}
		} else if w.exiting() {
			return nil, false
		}
		if w.conn.Flush() != nil {
			return nil, false
		}
		var work <-chan *part[In, Out]
		var kick <-chan struct{}
		if room {
			work, kick = *queue, q.kick
		}
		select {
		case pt, ok := <-work:
			if ok {
				return pt, true
			}
			*queue = nil
		case <-kick:
		case <-w.wake:
		case <-w.dead:
			return nil, false
		case <-q.finished:
			return nil, false
		case <-w.p.abandon:
			return nil, false
		}
	}
}

// exiting reports whether a retiring worker has nothing left in flight.
func (w *worker[In, Out]) exiting() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.retiring && len(w.inflight) == 0
}

// sendCancels sends the cancel requests recorded by cancelPart.
func (w *worker[In, Out]) sendCancels() bool {
	w.mu.Lock()
	ids := w.cancels
	w.cancels = nil
	w.mu.Unlock()
	for _, id := range ids {
		if err := w.conn.Send(&wire.Request[In]{Kind: wire.Cancel, ID: id}); err != nil {
			return false
		}
	}
	return true
}
