// Command sumsquares is the classic CPU-bound demo: equal tasks, each the
// sum of the squares of n numbers, run one after another and then on every
// core, with the wall time and speedup of each engine.
//
//	go run ./examples/sumsquares [-tasks 8] [-n 1200000000]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/poolkit/poolkit/pool"
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
	tasks := flag.Int("tasks", 8, "number of tasks")
	n := flag.Int("n", 1_200_000_000, "numbers per task (the default takes about half a second here)")
	flag.Parse()
	if err := run(os.Stdout, *tasks, *n); err != nil {
		log.Fatal(err)
	}
}

// result is one engine's run.
type result struct {
	engine string
	wall   time.Duration
	sums   []uint64
}

func run(w io.Writer, tasks, n int) error {
	ctx := context.Background()
	ins := make([]int, tasks)
	for i := range ins {
		ins[i] = n
	}
	fmt.Fprintf(w, "sumsquares: %d tasks, each the sum of the squares of %d numbers; %d CPUs\n\n", tasks, n, runtime.NumCPU())

	var results []result
	start := time.Now()
	seq := make([]uint64, len(ins))
	for i, in := range ins {
		seq[i], _ = sumSquares(ctx, in)
	}
	results = append(results, result{"sequential", time.Since(start), seq})

	for _, e := range []struct {
		name string
		ex   pool.Executor[int, uint64]
	}{
		{"pool", pool.New(sumSquares)},
		{"procpool", procpool.New(sumSquaresTask, procpool.Prestart())},
	} {
		start = time.Now()
		sums, err := e.ex.Map(ctx, ins)
		wall := time.Since(start)
		e.ex.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		results = append(results, result{e.name, wall, sums})
	}
	return report(w, results)
}

// report prints the table and checks that every engine got the same sums.
func report(w io.Writer, results []result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "engine\twall\tspeedup")
	base := results[0]
	for _, r := range results {
		for i := range r.sums {
			if r.sums[i] != base.sums[i] {
				return fmt.Errorf("%s: task %d: got %d, sequential got %d", r.engine, i, r.sums[i], base.sums[i])
			}
		}
		fmt.Fprintf(tw, "%s\t%.2fs\t%.2f×\n", r.engine, r.wall.Seconds(), base.wall.Seconds()/r.wall.Seconds())
	}
	return tw.Flush()
}
