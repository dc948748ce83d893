package main

import (
	"context"
	"errors"
	"fmt"
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

// row is one task size measured on every engine, run after run.
type row struct {
	size  time.Duration
	tasks int
	seqs  []time.Duration   // the sequential loop, one per run
	walls [][]time.Duration // per engine, one per run
}

// measure runs n tasks of iters spin iterations (about size each)
// sequentially and then on each engine, reps times in turn, and keeps every
// time. Taking turns spreads a moment of load from elsewhere over all of
// them. It checks that the engines got the same results as the loop, and
// calls ran after each run.
func measure(ctx context.Context, engines []engine, size time.Duration, n, iters, reps int, ran func()) (row, error) {
	ins := slices.Repeat([]int{iters}, n)
	r := row{size: size, tasks: n, walls: make([][]time.Duration, len(engines))}
	for range reps {
		seq, want := sequential(ctx, ins)
		r.seqs = append(r.seqs, seq)
		for i, e := range engines {
			wall, err := timed(ctx, e, ins, want)
			if err != nil {
				return row{}, fmt.Errorf("overhead: %s, %v tasks: %w", e.name, size, err)
			}
			r.walls[i] = append(r.walls[i], wall)
		}
		ran()
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

// seq is the median time of the sequential loop.
func (r row) seq() time.Duration { return median(r.seqs) }

// speedups are how many times faster engine i ran than the loop, run by
// run: each engine is set against the loop that ran just before it.
func (r row) speedups(i int) []float64 {
	s := make([]float64, len(r.seqs))
	for k := range s {
		s[k] = r.seqs[k].Seconds() / r.walls[i][k].Seconds()
	}
	return s
}

// speedup is the median of engine i's speedups.
func (r row) speedup(i int) float64 { return median(r.speedups(i)) }

// spread is how far engine i's speedups disagree: (largest − smallest) /
// median. On a quiet machine it stays within a few percent.
func (r row) spread(i int) float64 {
	s := r.speedups(i)
	return (slices.Max(s) - slices.Min(s)) / median(s)
}

// overhead is the time engine i added per task, counted in worker time:
// what the workers spent beyond the tasks' own work, shared out per task,
// from the median times.
func (r row) overhead(i, workers int) time.Duration {
	return (median(r.walls[i])*time.Duration(min(workers, r.tasks)) - r.seq()) / time.Duration(r.tasks)
}

// median returns the middle value of xs, or the mean of the two middle
// values; xs must not be empty.
func median[T time.Duration | float64](xs []T) T {
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}
