package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// sample is one engine's time for all the tasks in one round.
type sample struct {
	wall time.Duration
	cpu  time.Duration // of this process and its ended worker processes; 0 where unknown
}

// runs is what one engine did, round after round.
type runs struct {
	engine  string
	samples []sample
	sums    []uint64 // the last round's results
}

// median is the median wall time.
func (r runs) median() time.Duration {
	walls := make([]time.Duration, len(r.samples))
	for i, s := range r.samples {
		walls[i] = s.wall
	}
	slices.Sort(walls)
	if n := len(walls); n%2 == 0 {
		return (walls[n/2-1] + walls[n/2]) / 2
	}
	return walls[len(walls)/2]
}

// spread is how far the rounds disagree: (slowest − fastest) / median.
func (r runs) spread() float64 {
	lo, hi := r.samples[0].wall, r.samples[0].wall
	for _, s := range r.samples {
		lo, hi = min(lo, s.wall), max(hi, s.wall)
	}
	return float64(hi-lo) / float64(r.median())
}

// cpus is how many CPUs the engine kept busy on average: its CPU time over
// its wall time, all rounds together. It reports false where CPU time
// cannot be read.
func (r runs) cpus() (float64, bool) {
	var wall, cpu time.Duration
	for _, s := range r.samples {
		wall, cpu = wall+s.wall, cpu+s.cpu
	}
	return cpu.Seconds() / wall.Seconds(), cpu > 0
}

// step is one way of running the tasks once: the loop, or an engine.
type step struct {
	name string
	run  func(ctx context.Context, ins []int) ([]uint64, error)
}

// steps are the loop and the two engines.
var steps = []step{
	{"sequential", sequential},
	{"pool", func(ctx context.Context, ins []int) ([]uint64, error) {
		p := pool.New(sumSquares)
		defer p.Close()
		return p.Map(ctx, ins)
	}},
	{"procpool", func(ctx context.Context, ins []int) ([]uint64, error) {
		// A new pool each round, closed inside the timed step, so that its
		// worker processes have ended and their CPU time is counted.
		// Starting them takes a few milliseconds.
		p := procpool.New(sumSquaresTask)
		defer p.Close()
		return p.Map(ctx, ins)
	}},
}

// measure runs every step cfg.rounds times in turn, printing each step's
// name before it starts and its time once it ends.
func measure(ctx context.Context, w io.Writer, cfg config) ([]runs, error) {
	ins := slices.Repeat([]int{cfg.n}, cfg.tasks)
	all := make([]runs, len(steps))
	for round := range cfg.rounds {
		fmt.Fprintf(w, "round %d of %d:", round+1, cfg.rounds)
		for i, st := range steps {
			fmt.Fprintf(w, " %s ", st.name)
			s, sums, err := timed(ctx, st, ins)
			if err != nil {
				fmt.Fprintln(w)
				return nil, fmt.Errorf("sumsquares: %s: %w", st.name, err)
			}
			fmt.Fprintf(w, "%.2fs", s.wall.Seconds())
			all[i].engine = st.name
			all[i].samples = append(all[i].samples, s)
			all[i].sums = sums
		}
		fmt.Fprintln(w)
	}
	return all, nil
}

// sequential runs ins one after another in this goroutine.
func sequential(ctx context.Context, ins []int) ([]uint64, error) {
	sums := make([]uint64, len(ins))
	for i, in := range ins {
		sums[i], _ = sumSquares(ctx, in)
	}
	return sums, nil
}

// timed runs st once and returns its wall and CPU time and its results.
func timed(ctx context.Context, st step, ins []int) (sample, []uint64, error) {
	cpu0, _ := cpuTime()
	start := time.Now()
	sums, err := st.run(ctx, ins)
	wall := time.Since(start)
	cpu1, _ := cpuTime()
	return sample{wall: wall, cpu: cpu1 - cpu0}, sums, err
}
