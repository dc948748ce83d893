package future

// entry is one future added to a Set. It is in the Set's pending list until
// the Set sees its future settled, then in the ready list until a loop
// yields it, then in none. Everything but w is guarded by the Set's mu; w
// belongs to the future's list while registered.
type entry[T any] struct {
	w          waiter[T] // registration on f, made while a loop runs
	set        *Set[T]
	f          *Future[T] // nil once yielded, so the Set no longer keeps it
	list       *entries[T]
	prev, next *entry[T]
}

// settled moves e to its Set's ready list. Its future calls it once it has
// settled, unless the Set removed the registration first.
func (e *entry[T]) settled(T, error) {
	s := e.set
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.list == &s.pending { // not moved yet by a leaving loop
		s.move(e, &s.ready)
	}
}

// entries is an intrusive doubly-linked list of entries, in the order they
// were pushed. Its zero value is an empty list.
type entries[T any] struct {
	head, tail *entry[T]
	len        int
}

// push appends e, which must not be in any list.
func (l *entries[T]) push(e *entry[T]) {
	e.list, e.prev, e.next = l, l.tail, nil
	if l.tail == nil {
		l.head = e
	} else {
		l.tail.next = e
	}
	l.tail = e
	l.len++
}

// remove takes e, which must be in l, out of l.
func (l *entries[T]) remove(e *entry[T]) {
	if e.prev == nil {
		l.head = e.next
	} else {
		e.prev.next = e.next
	}
	if e.next == nil {
		l.tail = e.prev
	} else {
		e.next.prev = e.prev
	}
	e.list, e.prev, e.next = nil, nil, nil
	l.len--
}

// shift removes and returns the first entry, or nil if l is empty.
func (l *entries[T]) shift() *entry[T] {
	e := l.head
	if e != nil {
		l.remove(e)
	}
	return e
}

// each calls fn for every entry of l; fn may move its entry elsewhere.
func (l *entries[T]) each(fn func(*entry[T])) {
	for e := l.head; e != nil; {
		next := e.next
		fn(e)
		e = next
	}
}
