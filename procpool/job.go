package procpool

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/future"
)

// job is work a caller handed the pool: the one input of a Submit, or a
// batch of a Map or MapSeq. Its inputs never change once it is created. It
// goes out as requests: first one for all its inputs, later smaller ones
// for inputs that must run again.
//
// A job is finished once every input has settled and every request has
// come back (or its worker is gone): only then does a batch report to its
// Map or MapSeq, so that a cancelled input's task has stopped, or its
// worker has been killed, before the call returns.
type job[In, Out any] struct {
	p        *Pool[In, Out]
	ctx      context.Context
	ins      []In
	sink     sink[Out]
	deadline time.Time // ctx's, or zero

	isCancelled atomic.Bool // set once, under mu

	mu       sync.Mutex // guards the fields below; see supervisor.go for the lock order
	settled  []bool
	left     int                                    // inputs not yet settled
	live     map[*request[In, Out]]*worker[In, Out] // requests not back, and where each went (nil: queued)
	kills    map[int]int                            // input -> workers that died running it
	took     time.Duration
	unlink   func() bool
	finished bool
}

// sink is where a job's outcomes go.
type sink[Out any] interface {
	// put stores input i's outcome, once per input. If locked reports
	// true, put is called with the job's lock held and must not block.
	put(i int, out Out, err error)
	locked() bool
	// finish is called once, after every put, when the job is finished;
	// took is the time workers spent on its inputs.
	finish(took time.Duration)
}

// request is a job's inputs as one message to a worker. Its fields do not
// change once it is made, but for counted, which belongs to the queue.
type request[In, Out any] struct {
	job     *job[In, Out]
	pos     []int // positions in job.ins; nil for all of them
	id      uint64
	first   bool // the job's first request: accepting it accepts the job
	counted bool // queued and counted against the queue size; guarded by Pool.mu
}

func (r *request[In, Out]) len() int {
	if r.pos == nil {
		return len(r.job.ins)
	}
	return len(r.pos)
}

// index maps a position in the request to one in the job.
func (r *request[In, Out]) index(i int) int {
	if r.pos == nil {
		return i
	}
	return r.pos[i]
}

// inputs returns the inputs the request carries.
func (r *request[In, Out]) inputs() []In {
	if r.pos == nil {
		return r.job.ins
	}
	ins := make([]In, len(r.pos))
	for i, k := range r.pos {
		ins[i] = r.job.ins[k]
	}
	return ins
}

// newJob returns a job for ins whose outcomes go to s.
func newJob[In, Out any](p *Pool[In, Out], ctx context.Context, ins []In, s sink[Out]) *job[In, Out] {
	j := &job[In, Out]{p: p, ctx: ctx, ins: ins, sink: s, settled: make([]bool, len(ins)), left: len(ins),
		live: make(map[*request[In, Out]]*worker[In, Out], 1)}
	j.deadline, _ = ctx.Deadline()
	if ps, ok := s.(*promiseSink[Out]); ok {
		ps.OnCancel(func(err error) { j.cancel(err, err) })
	}
	return j
}

// request returns a new request for the inputs at positions pos of j (nil
// for all), queued until it is placed on a worker.
func (j *job[In, Out]) request(pos []int) *request[In, Out] {
	r := &request[In, Out]{job: j, pos: pos, id: j.p.nextID.Add(1)}
	j.mu.Lock()
	r.first = len(j.live) == 0 && !j.finished && j.left == len(j.ins)
	j.live[r] = nil
	j.mu.Unlock()
	return r
}

// abandon forgets the first request of a job the pool did not accept.
func (j *job[In, Out]) abandon(r *request[In, Out]) {
	j.mu.Lock()
	delete(j.live, r)
	j.finished = true
	j.mu.Unlock()
}

// watch links j to its context once it is accepted: when ctx ends, j is
// cancelled. A job that finished meanwhile is not linked.
func (j *job[In, Out]) watch() {
	if j.ctx.Done() == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.finished {
		j.unlink = context.AfterFunc(j.ctx, func() { j.cancel(j.ctx.Err(), context.Cause(j.ctx)) })
	}
}

// place records that r went to w, unless j was cancelled, in which case
// r retires and place reports false.
func (j *job[In, Out]) place(r *request[In, Out], w *worker[In, Out]) bool {
	j.mu.Lock()
	if !j.isCancelled.Load() {
		j.live[r] = w
		j.mu.Unlock()
		return true
	}
	j.mu.Unlock()
	j.retire(r)
	return false
}

// start records that j's input was handed to a worker, for the Running
// state of a Submit's future, and reports false if the caller cancelled it
// meanwhile.
func (j *job[In, Out]) start() bool {
	if ps, ok := j.sink.(*promiseSink[Out]); ok {
		return ps.Start()
	}
	return true
}

// settle delivers input i's outcome, unless it has one already, and
// reports whether it did.
func (j *job[In, Out]) settle(i int, out Out, err error) bool {
	return j.settleEach(1, func(int) (int, Out, error) { return i, out, err }) == 1
}

// settleEach delivers n outcomes, the k-th from result(k), skipping inputs
// that have one already, under one lock where the sink allows, and
// returns how many it delivered.
func (j *job[In, Out]) settleEach(n int, result func(k int) (int, Out, error)) int {
	delivered := 0
	if j.sink.locked() {
		completed := 0 // counted once for all, not input by input
		j.mu.Lock()
		for k := range n {
			i, out, err := result(k)
			if j.markLocked(i) {
				j.sink.put(i, out, err)
				if err == nil {
					completed++
				} else {
					j.p.stats.count(err)
				}
				delivered++
			}
		}
		j.mu.Unlock()
		j.p.stats.completed.Add(uint64(completed))
		return delivered
	}
	for k := range n {
		i, out, err := result(k)
		j.mu.Lock()
		ok := j.markLocked(i)
		j.mu.Unlock()
		if ok {
			j.sink.put(i, out, err)
			delivered++
		}
	}
	return delivered
}

// markLocked marks input i settled and reports whether it was not. j.mu
// must be held.
func (j *job[In, Out]) markLocked(i int) bool {
	if j.settled[i] {
		return false
	}
	j.settled[i] = true
	j.left--
	return true
}

// cancel stops j: every input without an outcome settles with err at
// once; a queued request is dropped; a running one is told to stop, with
// cause, and its worker is killed if it does not return within the kill
// grace.
func (j *job[In, Out]) cancel(err, cause error) {
	j.mu.Lock()
	if j.isCancelled.Load() || j.left == 0 {
		j.mu.Unlock()
		return
	}
	j.isCancelled.Store(true)
	var open []int
	for i, done := range j.settled {
		if !done {
			open = append(open, i)
		}
	}
	placed := make(map[*request[In, Out]]*worker[In, Out], len(j.live))
	for r, w := range j.live {
		placed[r] = w
	}
	j.mu.Unlock()
	var zero Out
	j.settleEach(len(open), func(k int) (int, Out, error) { return open[k], zero, err })
	for r, w := range placed {
		switch {
		case w != nil:
			w.cancel(r, cause)
		case j.p.unqueue(r):
			j.retire(r)
		}
	}
	j.finishIfDone()
}

// fail settles every input of r without an outcome with err, and retires
// r.
func (j *job[In, Out]) fail(r *request[In, Out], err error) {
	var zero Out
	j.settleEach(r.len(), func(k int) (int, Out, error) { return r.index(k), zero, err })
	j.retire(r)
}

// unsettled returns the positions in r whose inputs have no outcome yet.
func (j *job[In, Out]) unsettled(r *request[In, Out]) []int {
	j.mu.Lock()
	defer j.mu.Unlock()
	var idx []int
	for k := range r.len() {
		if !j.settled[r.index(k)] {
			idx = append(idx, k)
		}
	}
	return idx
}

// again returns a new request for the positions ks of r, to run again.
func (j *job[In, Out]) again(r *request[In, Out], ks []int) *request[In, Out] {
	pos := make([]int, len(ks))
	for i, k := range ks {
		pos[i] = r.index(k)
	}
	return j.request(pos)
}

// died records that a worker died while input i was running on it, and
// returns how many have.
func (j *job[In, Out]) died(i int) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.kills == nil {
		j.kills = make(map[int]int)
	}
	j.kills[i]++
	return j.kills[i]
}

// addTook records time a worker spent on j's inputs.
func (j *job[In, Out]) addTook(d time.Duration) {
	j.mu.Lock()
	j.took += d
	j.mu.Unlock()
}

// retire records that r is back, or will never be sent.
func (j *job[In, Out]) retire(r *request[In, Out]) {
	j.mu.Lock()
	delete(j.live, r)
	j.mu.Unlock()
	j.finishIfDone()
}

// finishIfDone finishes j if every input has settled and every request is
// back.
func (j *job[In, Out]) finishIfDone() {
	j.mu.Lock()
	if j.finished || j.left > 0 || len(j.live) > 0 {
		j.mu.Unlock()
		return
	}
	j.finished = true
	unlink, took := j.unlink, j.took
	j.mu.Unlock()
	if unlink != nil {
		unlink()
	}
	j.sink.finish(took)
	j.p.jobDone()
}

// promiseSink is the sink of a Submit: its future.
type promiseSink[Out any] struct {
	future.Promise[Out]
	stats *counters
}

func (s *promiseSink[Out]) locked() bool { return false }

// put settles the future, counted first: once a caller has the result,
// Stats includes it. A future the caller cancelled counts as cancelled.
func (s *promiseSink[Out]) put(_ int, out Out, err error) {
	if s.Future().Settled() {
		s.stats.count(contextCanceled)
		return
	}
	s.stats.count(err)
	if !s.Settle(out, err) { // cancelled in between
		s.stats.uncount(err)
		s.stats.count(contextCanceled)
	}
}

func (s *promiseSink[Out]) finish(time.Duration) {}

var contextCanceled = context.Canceled
