package bench_test

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	"github.com/sourcegraph/conc/iter"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/poolkit/poolkit/pool"
)

// mapFunc maps a task over ins and returns its outputs.
type mapFunc func(ins []int) ([]int, error)

// A mapLib opens a library's way to run fn over a slice with at most
// workers calls at once. Every lib but conc-pool returns the outputs in
// input order; close releases what open started and joins its goroutines.
type mapLib struct {
	name string
	open func(workers int, fn func(int) int) (run mapFunc, close func())
}

// mapLibs is poolkit, its peers, and the floors, in the order they run.
var mapLibs = []mapLib{
	{"poolkit", openPoolkit},
	{"conc-iter", openConcIter},
	{"conc-pool", openConcPool},
	{"pond", openPond},
	{"ants", openAnts},
	{"errgroup", openErrgroup},
	{"waitgroup", openWaitGroup},
	{"stealing", openStealing},
	{"sequential", openSequential},
}

func openPoolkit(workers int, fn func(int) int) (mapFunc, func()) {
	p := pool.New(func(_ context.Context, x int) (int, error) { return fn(x), nil }, pool.Workers(workers))
	return func(ins []int) ([]int, error) { return p.Map(context.Background(), ins) },
		func() { _ = p.Close() }
}

func openConcIter(workers int, fn func(int) int) (mapFunc, func()) {
	m := iter.Mapper[int, int]{MaxGoroutines: workers}
	return func(ins []int) ([]int, error) {
		return m.Map(ins, func(x *int) int { return fn(*x) }), nil
	}, func() {}
}

// openConcPool uses a conc result pool, which serves one batch (Wait ends
// it) and returns results in completion order, not input order.
func openConcPool(workers int, fn func(int) int) (mapFunc, func()) {
	return func(ins []int) ([]int, error) {
		p := concpool.NewWithResults[int]().WithMaxGoroutines(workers)
		for _, x := range ins {
			p.Go(func() int { return fn(x) })
		}
		return p.Wait(), nil
	}, func() {}
}

func openPond(workers int, fn func(int) int) (mapFunc, func()) {
	p := pond.NewResultPool[int](workers)
	return func(ins []int) ([]int, error) {
		g := p.NewGroup()
		for _, x := range ins {
			g.Submit(func() int { return fn(x) })
		}
		return g.Wait()
	}, p.StopAndWait
}

func openAnts(workers int, fn func(int) int) (mapFunc, func()) {
	p, err := ants.NewPool(workers)
	if err != nil {
		panic(err)
	}
	return func(ins []int) ([]int, error) {
		outs := make([]int, len(ins))
		var wg sync.WaitGroup
		defer wg.Wait()
		for i, x := range ins {
			wg.Add(1)
			if err := p.Submit(func() { outs[i] = fn(x); wg.Done() }); err != nil {
				wg.Done()
				return nil, err
			}
		}
		return outs, nil
	}, func() { _ = p.ReleaseTimeout(time.Minute) }
}

func openErrgroup(workers int, fn func(int) int) (mapFunc, func()) {
	return func(ins []int) ([]int, error) {
		outs := make([]int, len(ins))
		var g errgroup.Group
		g.SetLimit(workers)
		for i, x := range ins {
			g.Go(func() error { outs[i] = fn(x); return nil })
		}
		return outs, g.Wait()
	}, func() {}
}

// openWaitGroup is the hand-written version: a goroutine per input, a
// WaitGroup, and a channel as the semaphore.
func openWaitGroup(workers int, fn func(int) int) (mapFunc, func()) {
	return func(ins []int) ([]int, error) {
		outs := make([]int, len(ins))
		sem := make(chan struct{}, workers)
		var wg sync.WaitGroup
		for i, x := range ins {
			sem <- struct{}{}
			wg.Go(func() { outs[i] = fn(x); <-sem })
		}
		wg.Wait()
		return outs, nil
	}, func() {}
}

// openStealing is the floor on goroutines: workers goroutines started per
// call claim runs of indexes from one atomic counter.
func openStealing(workers int, fn func(int) int) (mapFunc, func()) {
	return func(ins []int) ([]int, error) {
		outs := make([]int, len(ins))
		grain := max(1, min(1024, len(ins)/(8*workers)))
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(workers, len(ins)) {
			wg.Go(func() {
				for {
					hi := int(next.Add(int64(grain)))
					lo := hi - grain
					if lo >= len(ins) {
						return
					}
					for i := lo; i < min(hi, len(ins)); i++ {
						outs[i] = fn(ins[i])
					}
				}
			})
		}
		wg.Wait()
		return outs, nil
	}, func() {}
}

func openSequential(_ int, fn func(int) int) (mapFunc, func()) {
	return func(ins []int) ([]int, error) {
		outs := make([]int, len(ins))
		for i, x := range ins {
			outs[i] = fn(x)
		}
		return outs, nil
	}, func() {}
}
