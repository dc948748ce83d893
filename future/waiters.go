package future

// A pending future keeps the parties waiting for it in an intrusive
// doubly-linked list, so that a waiter that gives up (an OnSettle stop, a
// loop over a Set that ends) leaves in O(1) and a future holds memory only
// for the waiters still waiting. The list is guarded by the future's mu.
// Settling detaches the whole list under mu and notifies it after mu is
// released; from then on the future no longer touches the list, and nobody
// else does either, since every other path first checks that the future is
// pending.

// listener is what a waiter tells when its future settles.
type listener[T any] interface {
	settled(value T, err error)
}

// waiter is one registration on a pending future.
type waiter[T any] struct {
	prev, next *waiter[T]
	listener   listener[T]
}

// waiters is a future's list of registrations, in the order they were made.
// Its zero value is an empty list.
type waiters[T any] struct {
	head, tail *waiter[T]
}

// push appends w, which must not be in any list.
func (l *waiters[T]) push(w *waiter[T]) {
	w.prev, w.next = l.tail, nil
	if l.tail == nil {
		l.head = w
	} else {
		l.tail.next = w
	}
	l.tail = w
}

// remove takes w out of l and reports whether w was in it.
func (l *waiters[T]) remove(w *waiter[T]) bool {
	if w.prev == nil && l.head != w {
		return false
	}
	if w.prev == nil {
		l.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		l.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next = nil, nil
	return true
}

// take empties l and returns what it held.
func (l *waiters[T]) take() waiters[T] {
	all := *l
	*l = waiters[T]{}
	return all
}

// notify tells every waiter of a detached list, in order. It unlinks each
// waiter first, so one that its owner keeps (in a stop function, say) does
// not keep the others alive.
func (l waiters[T]) notify(value T, err error) {
	for w := l.head; w != nil; {
		next := w.next
		w.prev, w.next = nil, nil
		w.listener.settled(value, err)
		w = next
	}
}

// register adds w to f's waiters if f is still pending, and reports whether
// it did; if f has settled, w will not be told and the caller reads the
// result itself.
func (f *Future[T]) register(w *waiter[T]) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Settled() {
		return false
	}
	f.waiters.push(w)
	return true
}

// unregister takes w out of f's waiters and reports whether it did. It
// reports false if w was not registered or if f has settled, in which case
// w has been told or is about to be.
func (f *Future[T]) unregister(w *waiter[T]) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Settled() {
		return false
	}
	return f.waiters.remove(w)
}
