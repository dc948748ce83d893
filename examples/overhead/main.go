// Command overhead measures, on this machine, how much work a task needs
// before an engine pays off: profile first, then decide. For task sizes
// from a microsecond to a tenth of a second (a calibrated spin loop) it
// runs the same tasks one after another and on each engine, and prints the
// speedup and the overhead each engine adds per task: pool (goroutines),
// procpool with batching (Map), and procpool with one Submit per input,
// waiting on the futures. Last it prints the task size from which each
// engine beats the plain loop.
//
//	go run ./examples/overhead [-min 1µs] [-max 100ms] [-budget 100ms] [-reps 5] [-maxtasks 20000] [-workers N]
//
// Each size runs about -budget of sequential work (at least two tasks per
// worker, at most -maxtasks tasks), -reps times on every engine in turn.
// Each cell shows the median of the runs and their spread, and the
// program says when the spread is too large to trust the figures: on a
// machine where other programs are busy, the runs disagree. A larger
// budget or more reps give steadier figures.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"time"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

func main() {
	procpool.Main() // in a worker process: serve tasks and exit
	var cfg config
	flag.DurationVar(&cfg.min, "min", time.Microsecond, "smallest task size")
	flag.DurationVar(&cfg.max, "max", 100*time.Millisecond, "largest task size")
	flag.DurationVar(&cfg.budget, "budget", 100*time.Millisecond, "sequential work per task size")
	flag.IntVar(&cfg.reps, "reps", 5, "runs per size and engine (at least 3); the median counts")
	flag.IntVar(&cfg.maxTasks, "maxtasks", 20_000, "most tasks per size")
	flag.IntVar(&cfg.workers, "workers", runtime.NumCPU(), "goroutines, and worker processes")
	flag.Parse()
	if err := run(os.Stdout, cfg); err != nil {
		log.Fatal(err)
	}
}

// config is one run of the measurement.
type config struct {
	min, max time.Duration // task sizes, 1 and 3 times each power of ten between
	budget   time.Duration // sequential work per size
	reps     int           // runs per size and engine
	maxTasks int
	workers  int
}

// check reports a config that cannot be measured.
func (c config) check() error {
	switch {
	case c.min <= 0 || c.max < c.min:
		return fmt.Errorf("overhead: need 0 < -min <= -max, got %v and %v", c.min, c.max)
	case c.budget <= 0:
		return fmt.Errorf("overhead: -budget %v: must be positive", c.budget)
	case c.reps < 3:
		return fmt.Errorf("overhead: -reps %d: need at least 3 for a median and a spread", c.reps)
	case c.workers < 1:
		return fmt.Errorf("overhead: -workers %d: need at least 1", c.workers)
	case c.maxTasks < 2*c.workers:
		return fmt.Errorf("overhead: -maxtasks %d: need at least 2 per worker (%d)", c.maxTasks, 2*c.workers)
	}
	return nil
}

// run calibrates the spin loop, measures every size on every engine and
// prints the table and the crossovers. It says what it is doing before the
// measurements, and draws a progress bar on a terminal while they run.
func run(w io.Writer, cfg config) error {
	if err := cfg.check(); err != nil {
		return err
	}
	ctx := context.Background()
	perMicro := calibrate()
	engines, startup, err := startEngines(ctx, cfg.workers)
	if err != nil {
		return err
	}
	defer closeAll(engines)
	fmt.Fprintf(w, "overhead: %d CPUs, %d workers per engine; spin loop: %d iterations per µs; procpool started in %v\n\n",
		runtime.NumCPU(), cfg.workers, perMicro, round(startup))

	all := sizes(cfg.min, cfg.max)
	fmt.Fprintf(w, "measuring %d task sizes from %v to %v, %d runs each on every engine (about %v) ...\n\n",
		len(all), all[0], all[len(all)-1], cfg.reps, expected(all, cfg).Round(time.Second))
	bar := newBar(len(all)*cfg.reps, "measuring")
	defer bar.Clear()
	var rows []row
	for _, size := range all {
		n := tasksFor(size, cfg)
		r, err := measure(ctx, engines, size, n, int(size.Nanoseconds()*int64(perMicro)/1000), cfg.reps, func() { bar.Add(1) })
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	bar.Clear()
	return report(w, cfg.workers, cfg.reps, engineNames(engines), rows)
}

// expected is about how long the measurements take on an idle machine: per
// size and run, the sequential work, and about as much again on the three
// engines together (each takes about a share per worker of it, and more
// for small tasks).
func expected(sizes []time.Duration, cfg config) time.Duration {
	var total time.Duration
	for _, size := range sizes {
		total += 2 * time.Duration(tasksFor(size, cfg)) * size
	}
	return time.Duration(cfg.reps) * total
}

// tasksFor is how many tasks of size make up the budget, within bounds.
func tasksFor(size time.Duration, cfg config) int {
	return int(min(max(int64(cfg.budget/size), int64(2*cfg.workers)), int64(cfg.maxTasks)))
}

// sizes returns 1 and 3 times each power of ten from lo to hi.
func sizes(lo, hi time.Duration) []time.Duration {
	var out []time.Duration
	for d := time.Duration(1); d <= hi; d *= 10 {
		for _, s := range []time.Duration{d, 3 * d} {
			if s >= lo && s <= hi {
				out = append(out, s)
			}
		}
	}
	return out
}

// startEngines builds the engines to compare, and reports how long the
// procpool took from New to its first result.
func startEngines(ctx context.Context, workers int) ([]engine, time.Duration, error) {
	start := time.Now()
	pp := procpool.New(spinTask, procpool.Workers(workers), procpool.Prestart())
	if _, err := pp.Submit(ctx, 0).Result(ctx); err != nil {
		pp.Close()
		return nil, 0, fmt.Errorf("overhead: starting procpool: %w", err)
	}
	startup := time.Since(start)
	return []engine{
		{"pool", pool.New(spin, pool.Workers(workers)), mapAll},
		{"procpool Map", pp, mapAll},
		{"procpool Submit", pp, submitEach},
	}, startup, nil
}

func closeAll(engines []engine) {
	for _, e := range engines {
		e.ex.Close() // closing twice is harmless
	}
}

func engineNames(engines []engine) []string {
	names := make([]string, len(engines))
	for i, e := range engines {
		names[i] = e.name
	}
	return names
}

// round rounds d to three significant digits.
func round(d time.Duration) time.Duration {
	for r := time.Duration(1); ; r *= 10 {
		if d < 1000*r {
			return d.Round(r)
		}
	}
}
