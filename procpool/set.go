package procpool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
)

// Set is a set of worker processes that pools of different tasks share, as
// the processes of Python's ProcessPoolExecutor run any function: a worker
// runs whichever registered task a pool on the set binds it to. Create it
// with [NewSet] and put pools on it with [On]:
//
//	workers := procpool.NewSet(procpool.Workers(8))
//	defer workers.Close()
//	thumbs := procpool.New(thumbTask, procpool.On(workers), procpool.Timeout(5*time.Second))
//	pages := procpool.New(renderTask, procpool.On(workers))
//
// The settings of the processes ([Workers], [Launch], [Command], [Init],
// [RecycleAfter], [MaxRSS], [StartTimeout], [Liveness], [MaxMessage],
// [Stderr], [Logger], [Prestart]) belong to the set; each pool keeps its
// own queue, [Stats] and failure settings ([Timeout], [Retries],
// [PoisonAfter], [KillGrace], [QueueSize], [InFlight], [BatchSize],
// [ReadAhead]), and fails and recovers as a pool of its own does: a worker
// serves one pool at a time, so a crash fails only the input that was
// running on it.
//
// A worker stays with its pool until another pool needs one. When a pool
// needs a worker and none is free, the set takes one from the pool that
// holds the most, if it holds more than the pool that asks: an idle one at
// once, a busy one once what it carries is back. Busy pools so share the
// workers evenly, and a flood of one kind of work cannot starve another.
// Handing a worker to another pool costs one message each way, not a new
// process.
//
// A Set is safe for concurrent use. Closing it closes its pools, which
// then settle later inputs with [pool.ErrClosed], and reaps every process.
type Set struct {
	cfg     config
	log     *slog.Logger
	spawner *spawner
	fw      *forwarder
	setup   wire.Setup
	seats   []*seat

	mu       sync.Mutex      // guards the fields below and each seat's; taken before no other lock
	closed   bool            // no pool may join
	reaping  bool            // its pools are shut down: processes that come back exit
	idle     []*lease        // workers no pool holds, the most recently freed last
	waiting  []*asker        // pools' slots waiting for a worker, oldest first
	wanted   atomic.Int32    // len(waiting), read without the lock
	members  []member        // the pools on the set
	promised map[member]int  // workers other pools agreed to give back for a pool, not yet back
	stop     context.Context // cancelled when Shutdown gives up: starts in progress end
	cancel   context.CancelFunc
	started  uint64         // processes started
	handed   uint64         // processes lent again after a pool gave them back
	ended    chan bool      // closed when Close has reaped every process
	bg       sync.WaitGroup // Prestart's starts
}

// seat is one of the set's places for a process.
type seat struct {
	index  int
	local  bool
	launch func() *exec.Cmd

	l        *lease // its process, if it has one; guarded by Set.mu
	starting bool   // a process is being started in it; guarded by Set.mu
}

// lease is a process of a set, lent to one pool at a time.
type lease struct {
	seat   *seat
	pr     *proc
	h      *handshake
	rss    atomic.Uint64 // its resident memory, as last reported
	holder member        // the pool it serves; nil while idle. Guarded by Set.mu
}

// asker is a pool's slot waiting for a process.
type asker struct {
	p   member
	got chan *lease // a lease, or nil when a seat came free to start one in
}

// member is a pool on a set, as the set sees it.
type member interface {
	// yield gives a worker back to the set if the pool holds one that is
	// idle, or more than others, and reports whether it will.
	yield(others int) bool
	Shutdown(ctx context.Context) error
}

// NewSet returns a set of worker processes for pools of any task to share;
// see [Set]. It takes the options of the processes, and panics if an
// option is invalid or configures each pool rather than the processes.
func NewSet(opts ...Option) *Set {
	checkNotWorker()
	cfg := newConfig(opts)
	if len(cfg.poolOpts) > 0 || cfg.set != nil {
		what := "On"
		if len(cfg.poolOpts) > 0 {
			what = cfg.poolOpts[0]
		}
		panic(fmt.Sprintf("procpool: NewSet: %s is a setting of each pool: give it to New", what))
	}
	executableID()
	s := &Set{cfg: cfg, log: cfg.logger, spawner: newSpawner(), fw: newForwarder(cfg.stderr), ended: make(chan bool)}
	s.stop, s.cancel = context.WithCancel(context.Background())
	s.setup = wire.Setup{Build: buildID(), Init: cfg.initName, InitArg: cfg.initArg, MaxMessage: cfg.maxMessage,
		Heartbeat: int64(cfg.liveness / 4), RecycleAfter: cfg.recycleAfter, MaxRSS: cfg.maxRSS}
	local := cfg.command
	if local == nil {
		local = defaultCommand
	}
	addSeat := func(n int, build func(int) *exec.Cmd, isLocal bool) {
		for i := range n {
			s.seats = append(s.seats, &seat{index: len(s.seats), local: isLocal, launch: func() *exec.Cmd { return build(i) }})
		}
	}
	addSeat(cfg.workers, local, true)
	for _, g := range cfg.groups {
		addSeat(g.n, g.build, false)
	}
	if cfg.prestart {
		s.prestart()
	}
	return s
}

// prestart starts every seat's process in the background and leaves it
// idle.
func (s *Set) prestart() {
	for _, st := range s.seats {
		st.starting = true
		s.bg.Go(func() {
			l, werr := s.start(st, s.stop)
			if werr != nil {
				s.log.Error("procpool: worker did not start", "slot", st.index, "err", werr)
				s.mu.Lock()
				st.starting = false
				s.wakeLocked()
				s.mu.Unlock()
				return
			}
			s.release(l)
		})
	}
}

// join adds p to the set's pools, unless the set is closed.
func (s *Set) join(p member) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.members = append(s.members, p)
	return true
}

// leave takes p out of the set's pools once it has shut down.
func (s *Set) leave(p member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members = slices.DeleteFunc(s.members, func(m member) bool { return m == p })
	delete(s.promised, p)
}

// acquire returns a process for p: an idle one, a new one in a free seat,
// or, once every seat is taken, the next one another pool gives back. It
// returns nil if done or stop is closed first, or the set is closed, and
// the error of a process that did not start.
func (s *Set) acquire(p member, done <-chan struct{}, stop context.Context) (*lease, *WorkerError) {
	for {
		s.mu.Lock()
		if s.reaping {
			s.mu.Unlock()
			return nil, nil
		}
		if n := len(s.idle); n > 0 {
			l := s.idle[n-1]
			s.idle = s.idle[:n-1]
			l.holder = p
			s.handed++
			s.mu.Unlock()
			return l, nil
		}
		if st := s.freeSeatLocked(); st != nil {
			st.starting = true
			s.mu.Unlock()
			l, werr := s.start(st, stop)
			s.mu.Lock()
			if werr != nil {
				st.starting = false
				s.wakeLocked()
			} else {
				l.holder = p
			}
			s.mu.Unlock()
			if werr == nil {
				s.rebalance() // p holds one more: a pool that waits may now be owed one
			}
			return l, werr
		}
		a := &asker{p: p, got: make(chan *lease, 1)}
		s.waiting = append(s.waiting, a)
		s.waitingChangedLocked()
		s.mu.Unlock()
		s.askFor(p)
		if l, ok := s.wait(a, p, done, stop); l != nil || !ok {
			return l, nil
		} // a seat came free, or the set closed: look again
	}
}

// reaskEvery is how often a slot that waits for a process asks again for
// one to be given back, in case the shares changed in a way nothing else
// noticed.
const reaskEvery = 50 * time.Millisecond

// wait waits for a's process (nil if a seat came free), asking now and
// then for one to be given back. It reports false, after giving a up, if
// done or stop ends first.
func (s *Set) wait(a *asker, p member, done <-chan struct{}, stop context.Context) (*lease, bool) {
	tick := time.NewTicker(reaskEvery)
	defer tick.Stop()
	for {
		select {
		case l := <-a.got:
			return l, true
		case <-tick.C:
			s.askFor(p)
		case <-done:
			s.giveUp(a)
			return nil, false
		case <-stop.Done():
			s.giveUp(a)
			return nil, false
		}
	}
}

// giveUp takes a out of the waiting slots, passing on what it was handed
// meanwhile.
func (s *Set) giveUp(a *asker) {
	s.mu.Lock()
	i := slices.Index(s.waiting, a)
	if i >= 0 {
		s.waiting = slices.Delete(s.waiting, i, i+1)
		s.waitingChangedLocked()
	}
	s.mu.Unlock()
	if i >= 0 {
		return
	}
	if l := <-a.got; l != nil {
		s.release(l)
		return
	}
	s.mu.Lock()
	s.wakeLocked()
	s.mu.Unlock()
}

// freeSeatLocked returns a seat with no process, or nil. s.mu must be
// held.
func (s *Set) freeSeatLocked() *seat {
	for _, st := range s.seats {
		if st.l == nil && !st.starting {
			return st
		}
	}
	return nil
}

// heldLocked counts the processes each pool holds or was promised. s.mu
// must be held.
func (s *Set) heldLocked() map[member]int {
	held := make(map[member]int, len(s.members))
	for _, st := range s.seats {
		if st.l != nil && st.l.holder != nil {
			held[st.l.holder]++
		}
	}
	for m, n := range s.promised {
		held[m] += n
	}
	return held
}

// askFor asks the pools other than p, those that hold the most first, to
// give a worker back for p, until one will; each compares what it holds
// with what p holds and was promised, so that pools settle at equal shares
// rather than swing all one way. s.mu must not be held.
func (s *Set) askFor(p member) {
	s.mu.Lock()
	held := s.heldLocked()
	s.mu.Unlock()
	var others []member
	for m := range held {
		if m != p {
			others = append(others, m)
		}
	}
	slices.SortFunc(others, func(a, b member) int { return held[b] - held[a] })
	for _, m := range others {
		if m.yield(held[p]) {
			s.mu.Lock()
			if s.promised == nil {
				s.promised = map[member]int{}
			}
			s.promised[p]++
			s.mu.Unlock()
			return
		}
	}
}

// rebalance asks for a worker for each pool with a slot waiting, oldest
// first: called when what the pools hold changed while slots wait.
func (s *Set) rebalance() {
	s.mu.Lock()
	var asking []member
	for _, a := range s.waiting {
		if !slices.Contains(asking, a.p) {
			asking = append(asking, a.p)
		}
	}
	s.mu.Unlock()
	for _, p := range asking {
		s.askFor(p)
	}
}

// keepPromiseLocked records that a process came back, to pool r (nil for
// none): a promise to r, or else to any pool, is kept. s.mu must be held.
func (s *Set) keepPromiseLocked(r member) {
	if s.promised[r] > 0 {
		s.promised[r]--
		return
	}
	for m, n := range s.promised {
		if n > 0 {
			s.promised[m]--
			return
		}
	}
}

// wakeLocked tells the oldest waiting slot that a seat came free. s.mu
// must be held.
func (s *Set) wakeLocked() {
	if a := s.popWaiterLocked(); a != nil {
		a.got <- nil
	}
}

// popWaiterLocked takes the oldest waiting slot out of the queue, or
// returns nil if none waits. s.mu must be held.
func (s *Set) popWaiterLocked() *asker {
	if len(s.waiting) == 0 {
		return nil
	}
	a := s.waiting[0]
	s.waiting = s.waiting[1:]
	s.waitingChangedLocked()
	return a
}

// waitingChangedLocked keeps wanted, read without the lock, equal to the
// number of waiting slots. s.mu must be held.
func (s *Set) waitingChangedLocked() {
	s.wanted.Store(int32(len(s.waiting)))
}

// start starts a process in st and runs its handshake, which stop or the
// set's own stop ending cuts short.
func (s *Set) start(st *seat, stop context.Context) (*lease, *WorkerError) {
	stop, cancel := context.WithCancel(stop)
	defer context.AfterFunc(s.stop, cancel)()
	defer cancel()
	pr, h, werr := startProcess(&s.cfg, s.spawner, s.fw, s.setup, s.log, stop, st.index, st.local, st.launch)
	if werr != nil {
		return nil, werr
	}
	l := &lease{seat: st, pr: pr, h: h}
	l.rss.Store(h.rss)
	s.mu.Lock()
	st.l, st.starting = l, false
	s.started++
	s.mu.Unlock()
	return l, nil
}

// release takes back a process a pool no longer needs, and gives it to the
// oldest waiting slot or keeps it idle; once the set is closed, it asks the
// process to exit.
func (s *Set) release(l *lease) {
	s.mu.Lock()
	l.holder = nil
	if s.reaping {
		s.mu.Unlock()
		s.exit(l)
		return
	}
	if a := s.popWaiterLocked(); a != nil {
		l.holder = a.p
		s.handed++
		s.keepPromiseLocked(a.p)
		a.got <- l
		s.mu.Unlock()
		s.rebalance() // the yield that freed l may have been for another
		return
	}
	s.keepPromiseLocked(nil)
	s.idle = append(s.idle, l)
	s.mu.Unlock()
}

// gone records that a lent process ended (it died, was killed, or retired
// and was reaped by its pool), freeing its seat.
func (s *Set) gone(l *lease) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.holder = nil
	if l.seat.l == l {
		l.seat.l = nil
	}
	s.keepPromiseLocked(nil)
	s.wakeLocked()
}

// exit asks an idle process to exit, and reaps it.
func (s *Set) exit(l *lease) {
	_ = l.pr.stdin.SetWriteDeadline(time.Now().Add(exitGrace))
	l.h.writeMu.Lock()
	if l.h.conn.Send(&wire.Bind{Exit: true}) == nil {
		_ = l.h.conn.Flush()
	}
	l.h.writeMu.Unlock()
	l.pr.closeInput()
	kill := time.AfterFunc(exitGrace, l.pr.kill)
	_ = l.h.conn.Receive(&wire.Ready{}) // the end of its stdout
	kill.Stop()
	l.pr.kill() // what it started goes with it
	l.pr.wait()
	s.gone(l)
}

// Close is Shutdown(context.Background()). It always returns nil.
func (s *Set) Close() error {
	return s.Shutdown(context.Background())
}

// Shutdown closes the set: it shuts down each pool on it with ctx, as
// [Pool.Shutdown] does, so their later inputs settle with
// [pool.ErrClosed], and then asks every process to exit and reaps it. It
// returns the first pool's error, and is safe to call more than once and
// from several goroutines.
func (s *Set) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	first := !s.closed
	s.closed = true
	members := slices.Clone(s.members)
	s.mu.Unlock()
	defer context.AfterFunc(ctx, s.cancel)() // starts in progress end with ctx
	var err error
	for _, m := range members { // their workers come back to the set as they finish
		if e := m.Shutdown(ctx); e != nil && err == nil {
			err = e
		}
	}
	if !first {
		select {
		case <-s.ended:
		case <-ctx.Done():
			if err == nil {
				err = ctx.Err()
			}
		}
		return err
	}
	s.bg.Wait()
	s.mu.Lock()
	s.reaping = true
	idle := s.idle
	s.idle = nil
	for _, a := range s.waiting { // none should wait now: let any that does go
		a.got <- nil
	}
	s.waiting = nil
	s.waitingChangedLocked()
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, l := range idle {
		wg.Go(func() { s.exit(l) })
	}
	wg.Wait()
	s.spawner.stop()
	s.fw.close(time.Second)
	s.cancel()
	close(s.ended)
	return err
}

// SetStats is a snapshot of a set's processes.
type SetStats struct {
	Started uint64        // processes started since NewSet
	Handed  uint64        // times a process went from one pool to another, or to the same one again
	Procs   []WorkerStats // one per seat: its PID, Host and RSS, as in Stats.Procs
	Pools   int           // pools on the set
	Idle    int           // processes no pool holds
}

// Stats returns a snapshot of the set's processes. It is safe for
// concurrent use.
func (s *Set) Stats() SetStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := SetStats{Started: s.started, Handed: s.handed, Pools: len(s.members), Idle: len(s.idle)}
	for _, seat := range s.seats {
		ws := WorkerStats{Slot: seat.index}
		if l := seat.l; l != nil {
			ws.PID, ws.Host, ws.RSS = l.h.pid, remoteHost(l.h.host), l.rss.Load()
		}
		st.Procs = append(st.Procs, ws)
	}
	return st
}

// errUnbound ends a worker's stream of replies when its pool gave its
// process back to the set.
var errUnbound = errors.New("procpool: the worker was given back to its set")
