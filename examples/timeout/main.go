// Command timeout shows what a per-input timeout can do about a runaway
// task that ignores its context. procpool kills the worker process at the
// deadline plus the kill grace and goes on with the other inputs; pool
// settles the runaway's future at the deadline, but its goroutine cannot be
// stopped: it keeps running, keeps its worker busy, and holds up Shutdown
// until it returns by itself.
//
//	go run ./examples/timeout [-inputs 8] [-workers 2] [-work 50ms] [-timeout 500ms] [-grace 250ms]
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

	"github.com/poolkit/poolkit/procpool"
)

// runaway is the index of the input that ignores its context: the second,
// so it starts at once beside the first.
const runaway = 1

// config is the size of a run.
type config struct {
	inputs  int           // at least 2, including the runaway
	workers int           // of each engine
	work    time.Duration // of each ordinary input; less than timeout
	timeout time.Duration // per input, on both engines
	grace   time.Duration // procpool's KillGrace
	watch   time.Duration // how long to watch pool's runaway after its future settled
}

func main() {
	procpool.Main() // in a worker process: serve tasks and exit
	cfg := config{watch: 200 * time.Millisecond}
	flag.IntVar(&cfg.inputs, "inputs", 8, "number of inputs, one of them the runaway")
	flag.IntVar(&cfg.workers, "workers", runtime.GOMAXPROCS(0), "workers in each engine")
	flag.DurationVar(&cfg.work, "work", 50*time.Millisecond, "how long each ordinary input takes")
	flag.DurationVar(&cfg.timeout, "timeout", 500*time.Millisecond, "per-input timeout, both engines")
	flag.DurationVar(&cfg.grace, "grace", 250*time.Millisecond, "procpool's KillGrace")
	flag.Parse()
	if err := run(os.Stdout, cfg); err != nil {
		log.Fatal(err)
	}
}

// run runs the inputs on procpool and then on pool and writes what became
// of them, and of the runaway, to w.
func run(w io.Writer, cfg config) error {
	if cfg.inputs < 2 || cfg.work >= cfg.timeout {
		return fmt.Errorf("need at least 2 inputs and -work below -timeout; got %d inputs, -work %v, -timeout %v",
			cfg.inputs, cfg.work, cfg.timeout)
	}
	ctx := context.Background()
	ins := inputs(cfg)
	fmt.Fprintf(w, "timeout: %d inputs of %v on %d workers; input %d is a runaway that ignores its ctx\n\n",
		cfg.inputs, cfg.work, cfg.workers, runaway)

	fmt.Fprintf(w, "procpool: Timeout(%v), KillGrace(%v)\n", cfg.timeout, cfg.grace)
	pp := runProcpool(ctx, cfg, ins)
	if err := printRows(w, pp.rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "procpool: the runaway's worker was killed at %s (Timeout + KillGrace = %v; Stats().Killed = %d); Close took %v\n\n",
		seconds(pp.rows[runaway].settled), cfg.timeout+cfg.grace, pp.killed, pp.closeTook.Round(100*time.Microsecond))

	fmt.Fprintf(w, "pool: Timeout(%v)\n", cfg.timeout)
	gp := runPool(ctx, cfg, ins)
	if err := printRows(w, gp.rows); err != nil {
		return err
	}
	printAftermath(w, cfg, gp)
	fmt.Fprintln(w)
	return printSummary(w, pp, gp)
}

// inputs returns cfg.inputs ordinary inputs but for the runaway.
func inputs(cfg config) []input {
	ins := make([]input, cfg.inputs)
	for i := range ins {
		ins[i] = input{N: i, Work: cfg.work}
	}
	ins[runaway].Runaway = true
	return ins
}

// printAftermath says what pool's runaway did after its future settled.
func printAftermath(w io.Writer, cfg config, r poolRun) {
	fmt.Fprintf(w, "pool: after the runaway's future settled, its goroutine %s:\n", stillRunning(r.spinsLater > r.spinsAtSettle))
	fmt.Fprintf(w, "  its counter:     %d when the future settled, %d after %v more\n", r.spinsAtSettle, r.spinsLater, cfg.watch)
	fmt.Fprintf(w, "  Stats().Running: %d with every future settled\n", r.running)
	s := r.shutdown
	if !s.blocked {
		fmt.Fprintf(w, "  Shutdown (ctx deadline %v): returned %v after %v\n", s.deadline, s.err, s.took.Round(time.Millisecond))
		return
	}
	fmt.Fprintf(w, "  Shutdown (ctx deadline %v): still blocked after %v; returned %q after %v, once the stop flag let the runaway return\n",
		s.deadline, 3*s.deadline, errText(s.err), s.took.Round(time.Millisecond))
}

// printSummary sets what became of the runaway on each engine side by side.
func printSummary(w io.Writer, pp procpoolRun, gp poolRun) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "engine\trunaway settled\twith\tafterwards")
	r := pp.rows[runaway]
	fmt.Fprintf(tw, "procpool\t%s\t%s\tworker process killed; Close took %v\n",
		seconds(r.settled), matches(r.err), pp.closeTook.Round(100*time.Microsecond))
	r = gp.rows[runaway]
	s := gp.shutdown
	fmt.Fprintf(tw, "pool\t%s\t%s\tgoroutine ran on (+%d spins, Running %d); Shutdown took %v\n",
		seconds(r.settled), matches(r.err), gp.spinsLater-gp.spinsAtSettle, gp.running, s.took.Round(time.Millisecond))
	return tw.Flush()
}

func stillRunning(yes bool) string {
	if yes {
		return "is still running"
	}
	return "stopped"
}

func errText(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
