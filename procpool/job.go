package procpool

import (
	"context"
	"sync"
	"time"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/internal/stream"
)

// job is work the pool accepted: the one input of a Submit, or a batch of
// a Map or MapSeq. It travels as parts: first whole, later split when
// inputs are retried or cannot be encoded.
type job[In, Out any] struct {
	p       *Pool[In, Out]
	ctx     context.Context
	ins     []In
	promise *future.Promise[Out]   // for Submit
	batch   *stream.Batch[In, Out] // for Map and MapSeq

	mu        sync.Mutex
	settled   []bool
	left      int // inputs not yet settled
	kills     map[int]int
	took      time.Duration
	cancelled error // why the job was cancelled; nil if it was not
	live      []*part[In, Out]
	unlink    func() bool // set by watch, once queued
	retired   bool        // its last part is done
}

// part is the piece of a job that goes out as one request. Its id and w
// are set, under the job's lock, when a worker sends it.
type part[In, Out any] struct {
	job *job[In, Out]
	pos []int // positions in job.ins; nil for all of them
	id  uint64
	w   *worker[In, Out] // where it is in flight; nil while queued

	// Guarded by w.mu while in flight.
	cancelled bool
	cancelAt  time.Time
	got       int // results received
}

func (pt *part[In, Out]) len() int {
	if pt.pos == nil {
		return len(pt.job.ins)
	}
	return len(pt.pos)
}

// index maps a position in the part's request to one in the job.
func (pt *part[In, Out]) index(i int) int {
	if pt.pos == nil {
		return i
	}
	return pt.pos[i]
}

// inputs returns the inputs the part carries.
func (pt *part[In, Out]) inputs() []In {
	if pt.pos == nil {
		return pt.job.ins
	}
	ins := make([]In, len(pt.pos))
	for i, k := range pt.pos {
		ins[i] = pt.job.ins[k]
	}
	return ins
}

// newJob returns a job for ins with its one part, which carries them all.
func newJob[In, Out any](p *Pool[In, Out], ctx context.Context, ins []In) (*job[In, Out], *part[In, Out]) {
	j := &job[In, Out]{p: p, ctx: ctx, ins: ins, settled: make([]bool, len(ins)), left: len(ins)}
	pt := &part[In, Out]{job: j}
	j.live = []*part[In, Out]{pt}
	return j, pt
}

// subpart returns a new part of j for the inputs at positions pos of pt,
// to be queued or sent in place of pt or beside it.
func (j *job[In, Out]) subpart(pt *part[In, Out], pos []int) *part[In, Out] {
	idx := make([]int, len(pos))
	for i, k := range pos {
		idx[i] = pt.index(k)
	}
	sub := &part[In, Out]{job: j, pos: idx}
	j.mu.Lock()
	j.live = append(j.live, sub)
	j.mu.Unlock()
	return sub
}

// watch links the job to its context: when ctx ends, the job is cancelled.
//
// It is called once the job is queued, so that a job that was never
// accepted is never cancelled (nor counted); a job that retired meanwhile
// is not linked.
func (j *job[In, Out]) watch() {
	if j.promise != nil {
		j.promise.OnCancel(j.cancel) // the caller has not seen the future yet
	}
	if j.ctx.Done() == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.retired {
		j.unlink = context.AfterFunc(j.ctx, func() { j.cancel(j.ctx.Err()) })
	}
}

// settle delivers the result of input i, once.
func (j *job[In, Out]) settle(i int, out Out, err error) {
	j.deliver(i, 1, func(int) (Out, error) { return out, err })
}

// deliver settles n inputs from position i on, taking each result from
// result, under one lock; inputs already settled are skipped.
func (j *job[In, Out]) deliver(i, n int, result func(k int) (Out, error)) {
	var failures []error
	completed, settled := 0, 0
	var single struct { // the result of a Submit, settled after unlocking
		out Out
		err error
		ok  bool
	}
	j.mu.Lock()
	for k := range n {
		if j.settled[i+k] {
			continue
		}
		out, err := result(k)
		j.settled[i+k] = true
		j.left--
		settled++
		if j.batch != nil {
			j.batch.Outs[i+k], j.batch.Errs[i+k] = out, err
		} else {
			single.out, single.err, single.ok = out, err, true
			continue
		}
		if err == nil {
			completed++
		} else {
			failures = append(failures, err)
		}
	}
	done := settled > 0 && j.left == 0 // this call settled the last input
	took := j.took
	j.mu.Unlock()
	if single.ok {
		j.settlePromise(single.out, single.err)
	}
	j.p.stats.completed.Add(uint64(completed))
	for _, err := range failures {
		j.p.stats.count(err)
	}
	if done && j.batch != nil {
		j.batch.Finish(took)
	}
}

// settlePromise settles a Submit's future, counted first: once a caller
// has the result, Stats includes it.
func (j *job[In, Out]) settlePromise(out Out, err error) {
	stats := &j.p.stats
	if j.promise.Future().Settled() {
		stats.count(context.Canceled) // the caller had cancelled it already
		return
	}
	stats.count(err)
	if !j.promise.Settle(out, err) { // cancelled in between
		stats.uncount(err)
		stats.count(context.Canceled)
	}
}

// settleAll settles every input of pt not yet settled with err.
func (j *job[In, Out]) settleAll(pt *part[In, Out], err error) {
	var zero Out
	for i := range pt.len() {
		j.settle(pt.index(i), zero, err)
	}
}

// addTook records time the worker spent on the job's inputs.
func (j *job[In, Out]) addTook(d time.Duration) {
	j.mu.Lock()
	j.took += d
	j.mu.Unlock()
}

// partDone retires pt; the job retires with its last part.
func (j *job[In, Out]) partDone(pt *part[In, Out]) {
	j.mu.Lock()
	for i, q := range j.live {
		if q == pt {
			j.live = append(j.live[:i], j.live[i+1:]...)
			break
		}
	}
	last := len(j.live) == 0
	j.mu.Unlock()
	if last {
		j.release()
		j.p.intake.retire()
	}
}

// release drops the job's link to its context, for good.
func (j *job[In, Out]) release() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.retired = true
	if j.unlink != nil {
		j.unlink()
	}
}

// cancellation returns why the job was cancelled, or nil.
func (j *job[In, Out]) cancellation() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.cancelled
}

// cancel stops the job: inputs not yet running settle with err at once,
// and a running input is told to stop, with its worker killed if it does
// not return within the kill grace.
func (j *job[In, Out]) cancel(err error) {
	type placed struct {
		pt *part[In, Out]
		w  *worker[In, Out]
	}
	j.mu.Lock()
	if j.cancelled != nil || j.left == 0 {
		j.mu.Unlock()
		return
	}
	j.cancelled = err
	live := make([]placed, len(j.live))
	for i, pt := range j.live {
		live[i] = placed{pt, pt.w}
	}
	j.mu.Unlock()
	for _, l := range live {
		if l.w == nil {
			j.settleAll(l.pt, err) // queued: the worker that takes it drops it
		} else {
			l.w.cancelPart(l.pt, err)
		}
	}
}

// kill records that a worker died while input i was running on it and
// returns how many have.
func (j *job[In, Out]) kill(i int) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.kills == nil {
		j.kills = make(map[int]int)
	}
	j.kills[i]++
	return j.kills[i]
}

// unplace marks pt as queued again after its worker is gone, and returns
// it.
func (j *job[In, Out]) unplace(pt *part[In, Out]) *part[In, Out] {
	j.mu.Lock()
	pt.w, pt.id, pt.got, pt.cancelled = nil, 0, 0, false
	j.mu.Unlock()
	return pt
}

// unsettled returns the positions in pt's request whose inputs have no
// result yet.
func (j *job[In, Out]) unsettled(pt *part[In, Out]) []int {
	j.mu.Lock()
	defer j.mu.Unlock()
	var idx []int
	for i := range pt.len() {
		if !j.settled[pt.index(i)] {
			idx = append(idx, i)
		}
	}
	return idx
}
