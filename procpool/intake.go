package procpool

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/poolkit/poolkit/internal/queue"
	"github.com/poolkit/poolkit/pool"
)

// intake is where work waits for a worker: a bounded queue of new parts,
// and ahead of it the parts that must run again because their worker died
// before starting them. It also knows when the pool has nothing left to do.
type intake[In, Out any] struct {
	in    *queue.Queue[*part[In, Out]]
	queue chan *part[In, Out] // in.C

	retryMu sync.Mutex
	retry   []*part[In, Out]
	kick    chan struct{} // a retry was pushed

	outstanding atomic.Int64  // jobs accepted and not retired
	finished    chan struct{} // closed once closed and nothing is outstanding
	finish1     sync.Once
}

func newIntake[In, Out any](size int) *intake[In, Out] {
	in := queue.New[*part[In, Out]](size, pool.ErrClosed, pool.ErrQueueFull)
	return &intake[In, Out]{
		in:       in,
		queue:    in.C,
		kick:     make(chan struct{}, 1),
		finished: make(chan struct{}),
	}
}

// accept queues the first part of a new job. It blocks while the queue is
// full, until there is room, ctx ends or intake closes, and returns the
// error if the job was not accepted.
func (q *intake[In, Out]) accept(ctx context.Context, pt *part[In, Out], wait bool) error {
	q.outstanding.Add(1)
	err := q.in.Send(ctx, pt, wait)
	if err != nil {
		q.retire()
	}
	return err
}

// isClosed reports whether intake has closed.
func (q *intake[In, Out]) isClosed() bool {
	return q.in.Closed()
}

// close stops intake. Parts already queued are still handed out.
func (q *intake[In, Out]) close() {
	q.in.Close()
	q.checkFinished()
}

// retire records that a job is done with.
func (q *intake[In, Out]) retire() {
	if q.outstanding.Add(-1) == 0 {
		q.checkFinished()
	}
}

func (q *intake[In, Out]) checkFinished() {
	if q.outstanding.Load() == 0 && q.isClosed() {
		q.finish1.Do(func() { close(q.finished) })
	}
}

// requeue puts parts back ahead of the queue, in order.
func (q *intake[In, Out]) requeue(parts ...*part[In, Out]) {
	if len(parts) == 0 {
		return
	}
	q.retryMu.Lock()
	q.retry = append(append([]*part[In, Out](nil), parts...), q.retry...)
	q.retryMu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

// popRetry takes the first part waiting to run again, or nil.
func (q *intake[In, Out]) popRetry() *part[In, Out] {
	q.retryMu.Lock()
	defer q.retryMu.Unlock()
	if len(q.retry) == 0 {
		return nil
	}
	pt := q.retry[0]
	q.retry = q.retry[1:]
	if len(q.retry) > 0 { // let another waiter see the rest
		select {
		case q.kick <- struct{}{}:
		default:
		}
	}
	return pt
}

// take returns the next part without waiting, or nil. ok is false once
// intake is closed and the queue drained (retries may still come).
func (q *intake[In, Out]) take() (pt *part[In, Out], ok bool) {
	if pt := q.popRetry(); pt != nil {
		return pt, true
	}
	select {
	case pt, ok := <-q.queue:
		return pt, ok
	default:
		return nil, true
	}
}

// drain settles every part still waiting with err; Shutdown calls it once
// no worker is left to run them.
func (q *intake[In, Out]) drain(err error) {
	for {
		pt, _ := q.take()
		if pt == nil {
			return
		}
		pt.job.settleAll(pt, err)
		pt.job.partDone(pt)
	}
}
