// Command sumsquares is the classic CPU-bound demo: equal tasks, each the
// sum of the squares of n numbers, run one after another and then on every
// core, with the wall time and speedup of each engine.
//
//	go run ./examples/sumsquares [-tasks 8] [-n 400000000] [-rounds 5]
//
// A single timing on a machine where other programs are busy says more
// about them than about the engines, so the program runs every engine
// -rounds times in turn, prints the median and the spread of each, and the
// CPU time each engine got. It ends with a verdict: the figures hold, or
// the rounds disagree too much to trust them, or other programs took part
// of the CPUs and the speedups show only what was left.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"

	"github.com/poolkit/poolkit/procpool"
)

// sumSquares returns the sum of the squares of 0..n-1 (mod 2^64).
//
// It is kept out of line so that every engine runs the same machine code:
// inlined into the sequential loop, it would be laid out differently and
// the comparison would measure code alignment, not engines.
//
//go:noinline
func sumSquares(_ context.Context, n int) (uint64, error) {
	var s uint64
	for i := range uint64(n) {
		s += i * i
	}
	return s, nil
}

// sumSquaresTask is sumSquares registered for worker processes.
var sumSquaresTask = procpool.Register("sumsquares", sumSquares)

func main() {
	procpool.Main() // in a worker process: serve tasks and exit
	var cfg config
	flag.IntVar(&cfg.tasks, "tasks", 8, "number of tasks")
	flag.IntVar(&cfg.n, "n", 400_000_000, "numbers per task (the default takes about an eighth of a second on a 2020s CPU)")
	flag.IntVar(&cfg.rounds, "rounds", 5, "times each engine runs the tasks (at least 3); the median counts")
	flag.Parse()
	if err := run(os.Stdout, cfg); err != nil {
		log.Fatal(err)
	}
}

// config is one run of the demo.
type config struct {
	tasks, n, rounds int
}

// run measures every engine cfg.rounds times and prints the table and the
// verdict. It says what it is about to run before each step.
func run(w io.Writer, cfg config) error {
	if cfg.tasks < 1 || cfg.n < 1 || cfg.rounds < 3 {
		return fmt.Errorf("sumsquares: need -tasks and -n of at least 1 and -rounds of at least 3; got %d, %d, %d", cfg.tasks, cfg.n, cfg.rounds)
	}
	cpus := runtime.NumCPU()
	fmt.Fprintf(w, "sumsquares: %d tasks, each the sum of the squares of %d numbers; %d CPUs, so at most %.2f× faster than one\n",
		cfg.tasks, cfg.n, cpus, ideal(cfg.tasks, cpus))
	fmt.Fprintf(w, "%d rounds, each running the tasks one after another, on goroutines (pool) and in worker processes (procpool)\n\n", cfg.rounds)
	all, err := measure(context.Background(), w, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	return report(w, all, cfg.rounds, cpus, ideal(cfg.tasks, cpus))
}

// ideal is the largest speedup that equal tasks can have on cpus CPUs.
func ideal(tasks, cpus int) float64 {
	return float64(tasks) / float64((tasks+cpus-1)/cpus)
}
