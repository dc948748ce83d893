package future

import (
	"context"
	"iter"
	"sync"
)

// Lock order: a Set's mu, then a Future's mu. A future tells a Set that it
// settled only after releasing its own mu (see waiters.go), so the order is
// never reversed.

// Set is a collection of futures that grows while a loop over
// [Set.Completed] yields them in the order they settle: the loop body (or
// any other goroutine) may [Set.Add] more, and the loop ends once every
// future added has been yielded. It is Dask's as_completed with add, for
// crawlers and recursive work, where each result may bring more work.
//
// A Set registers on its futures only while a loop over Completed runs, and
// removes every registration when the last loop ends, so a future that
// stays pending holds nothing for a Set nobody iterates. A yielded future
// leaves the Set at once and is no longer kept alive by it.
//
// The zero Set is empty and ready to use. A Set must not be copied after
// first use. Its methods are safe for concurrent use.
type Set[T any] struct {
	mu      sync.Mutex
	pending entries[T]    // added, not seen settled; registered while loops > 0
	ready   entries[T]    // settled, not yet yielded, in the order they settled
	loops   int           // loops over Completed running now
	wake    chan struct{} // capacity 1: ready or emptiness changed, look again
}

// NewSet returns a Set holding fs, as if made empty and given fs through
// [Set.Add]. It never blocks; fs must not hold nil.
func NewSet[T any](fs ...*Future[T]) *Set[T] {
	s := new(Set[T])
	s.Add(fs...)
	return s
}

// Add puts fs in s, to be yielded by a loop over [Set.Completed] once each
// has settled; a future added twice is yielded twice. Add never blocks on
// the futures; it is safe to call from inside the loop body, from other
// goroutines, and while no loop runs. fs must not hold nil.
func (s *Set[T]) Add(fs ...*Future[T]) {
	if len(fs) == 0 {
		return
	}
	es := make([]entry[T], len(fs))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range fs {
		e := &es[i]
		e.set, e.f, e.w.listener = s, f, e
		s.pending.push(e)
		s.watch(e)
	}
}

// Completed returns an iterator that yields the futures of s as they
// settle, each once, and removes each from s as it yields it. The loop ends
// when s is empty, when ctx ends, or when it breaks; it leaves no goroutine
// behind and does not affect the futures. After the loop, ctx.Err() tells
// whether it ended because ctx did. The loop blocks between yields while
// no future is ready; the goroutines that settle the futures never wait
// for it.
//
// When ctx ends (even before the loop begins), the loop yields the futures
// that had settled by the time it saw ctx end, then stops, like Python's
// as_completed with a timeout: no finished future is dropped, and none that
// settles later is waited for. The futures not yielded stay in s for a
// later loop.
//
// Several loops may run over s at once; each future goes to one of them.
func (s *Set[T]) Completed(ctx context.Context) iter.Seq[*Future[T]] {
	return func(yield func(*Future[T]) bool) {
		if s.follow(ctx.Done(), yield) {
			s.drain(yield)
		}
	}
}

// follow yields futures as they settle until s is empty or done is closed,
// and reports whether the loop goes on. s is registered on its futures only
// while follow runs.
func (s *Set[T]) follow(done <-chan struct{}, yield func(*Future[T]) bool) bool {
	if closed(done) {
		return true
	}
	s.enter()
	defer s.leave()
	for {
		f := s.next(done)
		if f == nil {
			return true
		}
		if !yield(f) {
			return false
		}
	}
}

// drain yields the futures that have settled by now, and no others.
func (s *Set[T]) drain(yield func(*Future[T]) bool) {
	for n := s.collect(); n > 0; n-- {
		f, _ := s.pop()
		if f == nil || !yield(f) {
			return
		}
	}
}

// next blocks until a future of s has settled and returns it; it returns
// nil once s is empty or done is closed.
func (s *Set[T]) next(done <-chan struct{}) *Future[T] {
	for !closed(done) {
		f, empty := s.pop()
		if f != nil || empty {
			return f
		}
		select {
		case <-s.wake:
		case <-done:
		}
	}
	return nil
}

// closed reports whether done is closed, without waiting.
func closed(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// pop takes the first ready future out of s. It returns nil if none is
// ready, and reports whether s is now empty.
func (s *Set[T]) pop() (f *Future[T], empty bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.ready.shift(); e != nil {
		f, e.f = e.f, nil
	}
	empty = s.ready.head == nil && s.pending.head == nil
	if s.ready.head != nil || empty {
		s.signal() // another loop may be waiting for this
	}
	return f, empty
}

// enter counts a loop in; the first one registers s on its pending futures.
func (s *Set[T]) enter() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wake == nil {
		s.wake = make(chan struct{}, 1)
	}
	s.loops++
	if s.loops == 1 {
		s.pending.each(s.watch)
	}
}

// leave counts a loop out; the last one removes every registration of s.
// An entry whose future settled first is told all the same, and moves to
// ready then.
func (s *Set[T]) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loops--
	if s.loops == 0 {
		s.pending.each(func(e *entry[T]) { e.f.unregister(&e.w) })
	}
}

// collect moves the pending entries whose future has settled to ready, and
// returns how many entries are ready.
func (s *Set[T]) collect() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending.each(func(e *entry[T]) {
		if e.f.Settled() {
			s.move(e, &s.ready)
		}
	})
	return s.ready.len
}

// watch moves e, a pending entry, to ready if its future has settled, and
// otherwise registers it on its future while a loop runs. s.mu is held.
func (s *Set[T]) watch(e *entry[T]) {
	if s.loops > 0 && e.f.register(&e.w) {
		return
	}
	if e.f.Settled() {
		s.move(e, &s.ready)
	}
}

// move takes e from the list it is in and puts it at the end of to, and
// wakes a waiting loop. s.mu is held.
func (s *Set[T]) move(e *entry[T], to *entries[T]) {
	e.list.remove(e)
	to.push(e)
	s.signal()
}

// signal wakes one waiting loop, or the next one to wait. s.mu is held.
func (s *Set[T]) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
