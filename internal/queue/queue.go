// Package queue is the bounded intake both of poolkit's engines use: a
// channel of work that senders may wait on, and that Close can close while
// senders are waiting, without a send on a closed channel and without
// losing what was sent before.
package queue

import (
	"context"
	"sync"
)

// Queue is a bounded queue of work. Senders call Send; workers receive
// from C, which Close closes once no sender is inside Send, so a worker
// that ranges over C sees everything that was sent. Its methods are safe
// for concurrent use.
type Queue[T any] struct {
	C chan T

	mu      sync.RWMutex // held for reading by senders, for writing to close
	closed  bool
	closing chan struct{} // closed first, to wake waiting senders
	once    sync.Once

	errClosed, errFull error
}

// New returns a queue of size that reports errClosed for sends after Close
// and errFull for sends that would wait but may not.
func New[T any](size int, errClosed, errFull error) *Queue[T] {
	return &Queue[T]{C: make(chan T, size), closing: make(chan struct{}), errClosed: errClosed, errFull: errFull}
}

// Send queues v. It returns errClosed once the queue is closed, and ctx's
// error if ctx has ended, in that order, without queueing v. If the queue
// is full it returns errFull when wait is false, and otherwise waits until
// there is room, ctx ends (returning its error) or the queue closes
// (returning errClosed).
func (q *Queue[T]) Send(ctx context.Context, v T, wait bool) error {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return q.errClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case q.C <- v:
		return nil
	default:
		if !wait {
			return q.errFull
		}
	}
	select {
	case q.C <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-q.closing:
		return q.errClosed
	}
}

// Closing returns a channel that is closed once Close has been called.
func (q *Queue[T]) Closing() <-chan struct{} {
	return q.closing
}

// Closed reports whether Close has been called.
func (q *Queue[T]) Closed() bool {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.closed
}

// Close stops intake: waiting senders give up with errClosed, later ones
// get it at once, and C is closed once no sender is inside Send. Close may
// be called more than once.
func (q *Queue[T]) Close() {
	q.once.Do(func() {
		close(q.closing)
		q.mu.Lock()
		q.closed = true
		close(q.C)
		q.mu.Unlock()
	})
}
