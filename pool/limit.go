package pool

import (
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"

	"golang.org/x/sync/semaphore"

	"github.com/poolkit/poolkit/internal/option"
)

// ErrOverLimit fails an input whose cost ([Cost]) is more than its pool's
// shared [Limit] holds, so that it could never run. The input fails at
// once instead of waiting.
var ErrOverLimit = errors.New("pool: input costs more than the shared limit holds")

// Limit is a number of slots that several pools share, so that the tasks
// running across all of them together never take more than it holds. A
// pool joins a Limit with [Within]: each of its inputs then takes a slot
// of the Limit while it runs (or as many as [Cost] says it costs) on top
// of a worker of the pool's own, and gives them back when it returns.
// Everything else stays the pool's own: its queue, Workers, Timeout,
// Stats, failures and shutdown.
//
// Inputs that wait for slots are served first come, first served across
// all the pools on the Limit, one input at a time: a worker waits with one
// input, and a worker that goes on to its next input while others wait
// queues again behind them. So an input of one pool waits at most for the
// inputs already in line and one more from each worker that holds slots,
// about one input per worker of the other pools, however many inputs a
// flood has queued in them. An input with a
// large cost at the head of the line holds back smaller ones behind it
// until it fits, so it is never starved either.
//
// A task must not wait for another task on the same Limit (through
// Submit or Map of a second pool, say): with every slot held by tasks that
// wait, none would come free.
//
// A Limit is safe for concurrent use. It starts no goroutines and needs no
// closing; a pool that shuts down gives back what its tasks held and the
// other pools go on. The zero Limit is not usable: make one with
// [NewLimit].
type Limit struct {
	sem  *semaphore.Weighted // FIFO among waiters, which fairness relies on
	size int64

	// waiting counts the workers blocked for slots. A worker between two
	// inputs keeps its slots only while it is 0; it is written only by
	// workers that block, so it has a cache line of its own.
	_       [48]byte
	waiting atomic.Int64
	_       [56]byte
}

// NewLimit returns a Limit of n slots to share between pools with
// [Within]. It panics, naming the problem, if n is not positive.
func NewLimit(n int) *Limit {
	if err := option.Positive(pkg, "NewLimit", n); err != nil {
		panic(err.Error())
	}
	return &Limit{sem: semaphore.NewWeighted(int64(n)), size: int64(n)}
}

// Cap returns the number of slots the Limit holds, the n of [NewLimit].
func (l *Limit) Cap() int {
	return int(l.size)
}

// Within makes the pool's tasks run within the shared limit l: each input
// takes a slot of l while it runs (or what [Cost] says), so that the
// inputs running on all the pools within l never take more than it holds.
// The pool's Workers still caps its own inputs. Waiting for a slot is done
// by the worker that took the input: the input counts as queued in Stats
// meanwhile, its Timeout has not begun, and it can be cancelled by its
// future, its context, [Pool.CancelQueued] or a [Pool.Shutdown] that gives
// up, like an input still in the queue.
func Within(l *Limit) Option {
	return optionFunc(func(c *config) error {
		if l == nil {
			return fmt.Errorf("pool: Within(nil): need a Limit from NewLimit")
		}
		c.limit = l
		return nil
	})
}

// Cost sets how many slots of the pool's shared limit ([Within]) each
// input takes while it runs: cost(in), which must be from 0 to the
// limit's Cap. Without Cost each input takes 1. An input that costs 0
// takes no slot and is bounded only by Workers. An input whose cost is
// more than the limit holds fails at once with [ErrOverLimit], and one
// with a negative cost fails with an error that says so; a panic in cost
// fails its input as a panic in the task does.
//
// A pool with the same cost for every input passes a function that
// returns it. cost runs on the worker, before the input waits for its
// slots; it must be safe for concurrent use. In must be the pool's input
// type, and Cost needs Within; [New] panics otherwise.
func Cost[In any](cost func(In) int64) Option {
	return optionFunc(func(c *config) error {
		if cost == nil {
			return fmt.Errorf("pool: Cost(nil): need a function")
		}
		c.cost = cost
		return nil
	})
}

// costFunc returns the Cost option's function for a pool of In, nil if
// there is none, and panics naming the option if it does not fit.
func costFunc[In any](c *config) func(In) int64 {
	if c.cost == nil {
		return nil
	}
	cost, ok := c.cost.(func(In) int64)
	if !ok {
		panic(fmt.Sprintf("pool: Cost(%T): the pool's input type is %v", c.cost, reflect.TypeFor[In]()))
	}
	if c.limit == nil {
		panic("pool: Cost: needs a shared limit; add Within(l)")
	}
	return cost
}

// costOf returns how many slots of the shared limit in takes, or the
// error that fails it if it can never run.
func (p *Pool[In, Out]) costOf(in In) (int64, error) {
	if p.cost == nil {
		return 1, nil
	}
	return p.checkedCost(in)
}

// checkedCost is costOf with a Cost option.
func (p *Pool[In, Out]) checkedCost(in In) (int64, error) {
	n := p.cost(in)
	switch {
	case n < 0:
		return 0, fmt.Errorf("pool: Cost returned %d for an input: must not be negative", n)
	case n > p.cfg.limit.size:
		return 0, fmt.Errorf("%w: it costs %d of %d", ErrOverLimit, n, p.cfg.limit.size)
	}
	return n, nil
}
