package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/poolkit/poolkit/pool"
)

// engine is one way of running the tasks.
type engine struct {
	name string
	ex   pool.Executor[int, uint64]
	runs func(ctx context.Context, ex pool.Executor[int, uint64], ins []int) ([]uint64, error)
}

// mapAll runs ins with one call to Map, which batches them.
func mapAll(ctx context.Context, ex pool.Executor[int, uint64], ins []int) ([]uint64, error) {
	return ex.Map(ctx, ins)
}

// submitEach submits every input on its own, then waits on the futures in
// order.
func submitEach(ctx context.Context, ex pool.Executor[int, uint64], ins []int) ([]uint64, error) {
	fs := make([]func(context.Context) (uint64, error), len(ins))
	for i, in := range ins {
		fs[i] = ex.Submit(ctx, in).Result
	}
	outs := make([]uint64, len(ins))
	for i, result := range fs {
		out, err := result(ctx)
		if err != nil {
			return nil, fmt.Errorf("input %d: %w", i, err)
		}
		outs[i] = out
	}
	return outs, nil
}

// row is one task size measured on every engine.
type row struct {
	size  time.Duration
	tasks int
	seq   time.Duration
	walls []time.Duration // one per engine
}

// measure runs n tasks of iters spin iterations (about size each)
// sequentially and then on each engine, reps times in turn, and keeps each
// one's best time, so that a moment of load from elsewhere counts against
// no one. It checks that the engines got the same results as the loop.
func measure(ctx context.Context, engines []engine, size time.Duration, n, iters, reps int) (row, error) {
	ins := slices.Repeat([]int{iters}, n)
	r := row{size: size, tasks: n, seq: math.MaxInt64, walls: make([]time.Duration, len(engines))}
	for i := range r.walls {
		r.walls[i] = math.MaxInt64
	}
	for range reps {
		seq, want := sequential(ctx, ins)
		r.seq = min(r.seq, seq)
		for i, e := range engines {
			wall, err := timed(ctx, e, ins, want)
			if err != nil {
				return row{}, fmt.Errorf("overhead: %s, %v tasks: %w", e.name, size, err)
			}
			r.walls[i] = min(r.walls[i], wall)
		}
	}
	return r, nil
}

// sequential runs ins in a plain loop and returns the time and results.
func sequential(ctx context.Context, ins []int) (time.Duration, []uint64) {
	start := time.Now()
	outs := make([]uint64, len(ins))
	for i, in := range ins {
		outs[i], _ = spin(ctx, in)
	}
	return time.Since(start), outs
}

// timed runs ins on e and returns the wall time, or an error if e failed
// or got other results than want.
func timed(ctx context.Context, e engine, ins []int, want []uint64) (time.Duration, error) {
	start := time.Now()
	got, err := e.runs(ctx, e.ex, ins)
	wall := time.Since(start)
	if err != nil {
		return 0, err
	}
	if !slices.Equal(got, want) {
		return 0, errors.New("results differ from the sequential run")
	}
	return wall, nil
}

// speedup is how many times faster engine i ran than the loop.
func (r row) speedup(i int) float64 {
	return r.seq.Seconds() / r.walls[i].Seconds()
}

// overhead is the time engine i added per task, counted in worker time:
// what the workers spent beyond the tasks' own work, shared out per task.
func (r row) overhead(i, workers int) time.Duration {
	return (r.walls[i]*time.Duration(min(workers, r.tasks)) - r.seq) / time.Duration(r.tasks)
}
