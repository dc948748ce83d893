// Command memory shows procpool bounding a leak by recycling workers. A
// task keeps everything it allocates in a package-level slice, so each
// worker process grows with every input it runs. The same inputs run three
// times: with no recycling, with RecycleAfter (a new process every n
// inputs) and with MaxRSS (a new process once the old one has grown past a
// limit); a table follows each worker's RSS and input count from
// Stats().Procs and ends with the peak worker RSS and how many processes
// each run used.
//
//	go run ./examples/memory [-inputs 60] [-workers 2] [-leak-mib 4] [-work 100ms] [-recycle-after 5] [-max-rss-mib 48]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"iter"
	"log"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/poolkit/poolkit/procpool"
)

// config is the size of a run.
type config struct {
	inputs       int
	workers      int
	leak         int           // bytes each input keeps
	work         time.Duration // each input's work after it leaks
	recycleAfter uint64        // inputs per process for RecycleAfter
	maxRSS       uint64        // bytes for MaxRSS
	every        int           // inputs between rows of the table
}

// mib is a mebibyte.
const mib = 1 << 20

// rssEvery is how often, at most, a worker measures its RSS (at the end of
// an input); procpool documents no figure, this is what it does today.
const rssEvery = 100 * time.Millisecond

func main() {
	procpool.Main() // in a worker process: serve tasks and exit
	var cfg config
	var leakMiB, maxRSSMiB int
	flag.IntVar(&cfg.inputs, "inputs", 60, "inputs per run")
	flag.IntVar(&cfg.workers, "workers", runtime.GOMAXPROCS(0), "worker processes")
	flag.IntVar(&leakMiB, "leak-mib", 4, "MiB each input leaks")
	flag.DurationVar(&cfg.work, "work", 100*time.Millisecond, "how long each input works; below 100ms the RSS shown lags")
	flag.Uint64Var(&cfg.recycleAfter, "recycle-after", 5, "inputs per worker process with RecycleAfter")
	flag.IntVar(&maxRSSMiB, "max-rss-mib", 48, "RSS limit in MiB with MaxRSS")
	flag.Parse()
	cfg.leak, cfg.maxRSS = leakMiB*mib, uint64(maxRSSMiB)*mib
	cfg.every = max(1, cfg.inputs/6)
	if err := run(os.Stdout, cfg); err != nil {
		log.Fatal(err)
	}
}

// run runs the inputs under each policy and writes the table to w.
func run(w io.Writer, cfg config) error {
	if cfg.inputs < 1 || cfg.every < 1 {
		return fmt.Errorf("need at least one input and one row; got %d inputs, a row every %d", cfg.inputs, cfg.every)
	}
	ctx := context.Background()
	policies := []policy{
		{name: "no recycling"},
		{name: fmt.Sprintf("RecycleAfter(%d)", cfg.recycleAfter), opts: []procpool.Option{procpool.RecycleAfter(cfg.recycleAfter)}},
		{name: fmt.Sprintf("MaxRSS(%d MiB)", cfg.maxRSS/mib), opts: []procpool.Option{procpool.MaxRSS(cfg.maxRSS)}},
	}
	fmt.Fprintf(w, "memory: %d inputs, each leaking %d MiB and working %v, on %d worker processes\n\n",
		cfg.inputs, cfg.leak/mib, cfg.work, cfg.workers)
	outcomes := make([]outcome, len(policies))
	for i, pol := range policies {
		fmt.Fprintf(w, "running them with %s (about %v) ...\n", pol.name, expected(cfg).Round(100*time.Millisecond))
		var err error
		if outcomes[i], err = runPolicy(ctx, cfg, pol); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "each cell: per worker, RSS in MiB / inputs its current process has run, from Stats().Procs;")
	fmt.Fprintln(w, "- while a worker has no process, ? before its first measurement")
	if cfg.work < rssEvery {
		fmt.Fprintf(w, "(a worker measures its RSS at the end of an input at most every %v, so the RSS shown lags)\n", rssEvery)
	}
	fmt.Fprintln(w)
	return printTable(w, policies, outcomes)
}

// expected is about how long one run takes: the inputs' work shared out
// among the workers, without the time to start and replace processes.
func expected(cfg config) time.Duration {
	return time.Duration((cfg.inputs+cfg.workers-1)/cfg.workers) * cfg.work
}

// inputs yields cfg.inputs identical leaky inputs.
func inputs(cfg config) iter.Seq[input] {
	return func(yield func(input) bool) {
		for range cfg.inputs {
			if !yield(input{Leak: cfg.leak, Work: cfg.work}) {
				return
			}
		}
	}
}

// printTable writes one row per checkpoint and one column per policy,
// then the peak RSS, processes used and recycled.
func printTable(w io.Writer, policies []policy, outcomes []outcome) error {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	header := []string{"inputs done"}
	for _, pol := range policies {
		header = append(header, pol.name)
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for row := range outcomes[0].snapshots {
		cells := []string{fmt.Sprint(outcomes[0].snapshots[row].done)}
		for _, o := range outcomes {
			cells = append(cells, workersCell(o.snapshots[row].procs))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	summary := func(name string, cell func(outcome) string) {
		cells := []string{name}
		for _, o := range outcomes {
			cells = append(cells, cell(o))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	summary("peak worker RSS", func(o outcome) string { return fmt.Sprintf("%.1f MiB", float64(o.peakRSS)/mib) })
	summary("worker processes", func(o outcome) string { return fmt.Sprint(o.pids) })
	summary("Stats().Recycled", func(o outcome) string { return fmt.Sprint(o.recycled) })
	return tw.Flush()
}

// workersCell writes each worker as "RSS/inputs": "45/20 47/20". A slot
// with no process shows "-", and a process not yet measured "?".
func workersCell(procs []procpool.WorkerStats) string {
	parts := make([]string, len(procs))
	for i, p := range procs {
		switch {
		case p.PID == 0:
			parts[i] = "-"
		case p.RSS == 0:
			parts[i] = fmt.Sprintf("?/%d", p.Tasks)
		default:
			parts[i] = fmt.Sprintf("%d/%d", p.RSS/mib, p.Tasks)
		}
	}
	return strings.Join(parts, " ")
}
