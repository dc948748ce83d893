// Command swap runs one function on either engine, chosen by a flag: the
// code that uses the executor sees only [pool.Executor], so switching from
// goroutines to worker processes is the one line that builds it. The
// output shows the engine, the results, and the pid that computed each
// one, which proves where the work ran.
//
//	go run ./examples/swap [-engine pool|procpool] [-workers 2] [-inputs 12]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// answer is the factorization of N and the pid of the process that did it.
type answer struct {
	N       uint64
	Factors []uint64
	PID     int
}

// factorize returns the prime factors of n in ascending order, found by
// trial division, and the pid of the process it ran in. It stops with
// ctx's error if ctx ends first.
func factorize(ctx context.Context, n uint64) (answer, error) {
	a := answer{N: n, PID: os.Getpid()}
	for d := uint64(2); d*d <= n; d++ {
		if d%(1<<16) == 0 && ctx.Err() != nil {
			return answer{}, fmt.Errorf("factorize %d: %w", a.N, ctx.Err())
		}
		for n%d == 0 {
			a.Factors = append(a.Factors, d)
			n /= d
		}
	}
	if n > 1 {
		a.Factors = append(a.Factors, n)
	}
	return a, nil
}

// factorizeTask is factorize registered for worker processes.
var factorizeTask = procpool.Register("factorize", factorize)

// newExecutor builds the executor for engine. The two cases are the
// one-line switch: everything after it is the same code.
func newExecutor(engine string, workers int) (pool.Executor[uint64, answer], string, error) {
	switch engine {
	case "pool":
		return pool.New(factorize, pool.Workers(workers)),
			fmt.Sprintf("pool.New(factorize, pool.Workers(%d))", workers), nil
	case "procpool":
		return procpool.New(factorizeTask, procpool.Workers(workers)),
			fmt.Sprintf("procpool.New(factorizeTask, procpool.Workers(%d))", workers), nil
	}
	return nil, "", fmt.Errorf("swap: -engine %q: want pool or procpool", engine)
}

func main() {
	procpool.Main() // in a worker process: serve tasks and exit
	engine := flag.String("engine", "procpool", "engine to run on: pool or procpool")
	workers := flag.Int("workers", runtime.NumCPU(), "number of workers")
	count := flag.Int("inputs", 12, "how many numbers to factorize")
	flag.Parse()
	if err := run(os.Stdout, *engine, *workers, inputs(*count)); err != nil {
		log.Fatal(err)
	}
}

// inputs returns n numbers to factorize, each a product of two primes near
// a million, so that each takes a few milliseconds of trial division.
func inputs(n int) []uint64 {
	primes := []uint64{999_983, 1_000_003, 999_979, 1_000_033, 999_961, 1_000_037}
	ins := make([]uint64, n)
	for i := range ins {
		ins[i] = primes[i%len(primes)] * primes[(i/len(primes)+i+1)%len(primes)]
	}
	return ins
}

// run factorizes ins on engine and prints what ran where.
func run(w io.Writer, engine string, workers int, ins []uint64) error {
	if workers < 1 || len(ins) == 0 {
		return fmt.Errorf("swap: need at least one worker and one input, got %d and %d", workers, len(ins))
	}
	ex, built, err := newExecutor(engine, workers)
	if err != nil {
		return err
	}
	answers, err := ex.Map(context.Background(), ins)
	if cerr := ex.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("swap: %s: %w", engine, err)
	}
	fmt.Fprintf(w, "swap: engine %s, built with\n\n\tex := %s\n\nthis process is pid %d\n\n", engine, built, os.Getpid())
	return report(w, answers)
}

// report prints each answer with its pid, then where the work ran.
func report(w io.Writer, answers []answer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "input\tfactors\tpid\t")
	for _, a := range answers {
		fmt.Fprintf(tw, "%d\t%s\t%d\t\n", a.N, join(a.Factors), a.PID)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", where(answers, os.Getpid()))
	return err
}

// where says which processes computed answers, relative to self.
func where(answers []answer, self int) string {
	var pids []int
	for _, a := range answers {
		if !slices.Contains(pids, a.PID) {
			pids = append(pids, a.PID)
		}
	}
	slices.Sort(pids)
	switch {
	case len(pids) == 1 && pids[0] == self:
		return fmt.Sprintf("all %d tasks ran in this process (pid %d), on goroutines", len(answers), self)
	case !slices.Contains(pids, self):
		return fmt.Sprintf("%d tasks ran in %d worker processes (pids %s), none in this process", len(answers), len(pids), joinInts(pids))
	}
	return fmt.Sprintf("%d tasks ran in processes %s, this process (pid %d) among them", len(answers), joinInts(pids), self)
}

// join writes factors as 3 × 5 × 7.
func join(factors []uint64) string {
	s := make([]string, len(factors))
	for i, f := range factors {
		s[i] = fmt.Sprint(f)
	}
	return strings.Join(s, " × ")
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
