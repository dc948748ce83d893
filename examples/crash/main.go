// Command crash shows a worker dying three ways (os.Exit, a nil
// dereference in a goroutine the task started, a SIGKILL) among many
// ordinary inputs. On procpool every other input returns its result and
// the table names each failed input, with the worker's pid and how it
// ended; on pool the same inputs take the whole program down, which the
// command shows by running that half in a child process of itself.
//
//	go run ./examples/crash [-inputs 20] [-workers 2]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/poolkit/poolkit/procpool"
)

func main() {
	procpool.Main() // in a worker process: serve tasks and exit
	poolChild()     // in the child that runs the pool half: run it and exit
	n := flag.Int("inputs", 20, "number of inputs (at least 4); three of them crash")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "workers in each engine")
	flag.Parse()
	if err := run(os.Stdout, *n, *workers); err != nil {
		log.Fatal(err)
	}
}

// run runs n inputs on procpool and then on pool in a child process, and
// writes what became of them to w.
func run(w io.Writer, n, workers int) error {
	if n < 4 {
		return fmt.Errorf("-inputs %d: need at least 4", n)
	}
	ctx := context.Background()
	ins := inputs(n)
	fmt.Fprintf(w, "crash: %d inputs (squares, %v each) on %d workers; inputs %d, %d and %d crash the process that runs them\n\n",
		n, work, workers, n/4, n/2, 3*n/4)

	fmt.Fprintln(w, "procpool: each input a future, run in worker processes")
	outs, stats := runProcpool(ctx, ins, workers)
	if err := printOutcomes(w, outs); err != nil {
		return err
	}
	failed := failedInputs(outs)
	fmt.Fprintf(w, "procpool: %d of %d results; failed: inputs %s; Stats().Died = %d\n\n",
		n-len(failed), n, join(failed), stats.Died)

	fmt.Fprintln(w, "pool: the same futures on goroutines, in a child process of this program")
	end, err := runPoolChild(ctx, n, workers)
	if err != nil {
		return err
	}
	printChildEnd(w, end, n)
	fmt.Fprintln(w)
	return printSummary(w, n, failed, stats, end)
}

// failedInputs returns the inputs whose outcome is an error.
func failedInputs(outs []outcome) []int {
	var failed []int
	for _, o := range outs {
		if o.err != nil {
			failed = append(failed, o.in.N)
		}
	}
	return failed
}

// printChildEnd says how the pool child ended and quotes its stderr.
func printChildEnd(w io.Writer, end childEnd, n int) {
	if end.status == "exit status 0" {
		fmt.Fprintf(w, "pool: the process survived with %d of %d results\n", end.results, n)
		return
	}
	fmt.Fprintf(w, "pool: the process died with %s after %d of %d results\n", end.status, end.results, n)
	if len(end.stderr) == 0 {
		fmt.Fprintln(w, "its stderr was empty")
		return
	}
	fmt.Fprintln(w, "its last stderr lines:")
	for _, l := range end.stderr {
		fmt.Fprintf(w, "\t%s\n", l)
	}
}

// printSummary sets the two engines side by side.
func printSummary(w io.Writer, n int, failed []int, stats procpool.Stats, end childEnd) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "engine\tresults\tlost\tthe program")
	fmt.Fprintf(tw, "procpool\t%d of %d\tinputs %s\tlived on; %d workers died\n", n-len(failed), n, join(failed), stats.Died)
	fmt.Fprintf(tw, "pool\t%d of %d\tall %d unfinished\tdied: %s\n", end.results, n, n-end.results, end.status)
	return tw.Flush()
}

// join writes ns as "1, 2, 3", or "none".
func join(ns []int) string {
	if len(ns) == 0 {
		return "none"
	}
	s := make([]string, len(ns))
	for i, v := range ns {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}
