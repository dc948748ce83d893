// Command services runs three kinds of work (shrinking images, rendering
// pages, parsing records) in worker processes two ways: one pool per
// task, each with workers of its own, and three pools on one procpool.Set,
// which share its workers. Each worker process loads a table the first
// time it runs an input, as a real worker loads a model or a library, so
// memory follows the number of processes. It prints, for each layout, the
// processes started, the workers' resident memory summed, and the time
// the work took.
//
//	go run ./examples/services [-workers 2] [-inputs 200] [-table-mib 24]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/poolkit/poolkit/procpool"
)

// mib is a mebibyte.
const mib = 1 << 20

func main() {
	procpool.Main() // in a worker process: serve tasks and exit
	workers := flag.Int("workers", 2, "worker processes: per pool, or in the set")
	inputs := flag.Int("inputs", 200, "inputs of each kind")
	flag.IntVar(&tableMiB, "table-mib", tableMiB, "MiB each worker process loads")
	flag.Parse()
	if err := run(os.Stdout, *workers, *inputs); err != nil {
		log.Fatal(err)
	}
}

// layout is how the three pools get their workers, and what it cost.
type layout struct {
	name    string
	started uint64        // processes started
	rss     uint64        // the workers' resident memory, summed
	took    time.Duration // the time the work took
}

// run runs the work both ways and prints the table.
func run(w io.Writer, workers, inputs int) error {
	fmt.Fprintf(w, "three kinds of work, %d inputs each, %d workers\n\n", inputs, workers)
	own, err := perTask(workers, inputs)
	if err != nil {
		return err
	}
	shared, err := onOneSet(workers, inputs)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "layout\tprocesses started\tworker RSS, summed\ttook")
	for _, l := range []layout{own, shared} {
		fmt.Fprintf(tw, "%s\t%d\t%.0f MiB\t%v\n", l.name, l.started, float64(l.rss)/mib, l.took.Round(time.Millisecond))
	}
	return tw.Flush()
}

// pools are the three pools of the service.
type pools struct {
	thumbs  *procpool.Pool[Thumb, []byte]
	renders *procpool.Pool[string, uint32]
	parses  *procpool.Pool[[]byte, int]
}

// perTask runs the work on one pool per task, each with its own workers.
func perTask(workers, inputs int) (layout, error) {
	opt := procpool.Workers(workers)
	ps := pools{procpool.New(thumbTask, opt), procpool.New(renderTask, opt), procpool.New(parseTask, opt)}
	defer ps.close()
	took, err := ps.work(inputs)
	l := layout{name: "one pool per task", took: took}
	for _, s := range []procpool.Stats{ps.thumbs.Stats(), ps.renders.Stats(), ps.parses.Stats()} {
		for _, p := range s.Procs {
			l.rss += p.RSS
			if p.PID != 0 {
				l.started += 1 + uint64(p.Restarts)
			}
		}
	}
	return l, err
}

// onOneSet runs the work on three pools that share one set of workers.
func onOneSet(workers, inputs int) (layout, error) {
	set := procpool.NewSet(procpool.Workers(workers))
	defer set.Close()
	on := procpool.On(set)
	ps := pools{procpool.New(thumbTask, on), procpool.New(renderTask, on), procpool.New(parseTask, on)}
	took, err := ps.work(inputs)
	st := set.Stats()
	l := layout{name: "one Set, three pools", took: took, started: st.Started}
	for _, p := range st.Procs {
		l.rss += p.RSS
	}
	return l, err
}

// work runs inputs of each kind at once, each kind with Map, and returns
// how long they took together.
func (ps pools) work(inputs int) (time.Duration, error) {
	thumbs, pages, records := make([]Thumb, inputs), make([]string, inputs), make([][]byte, inputs)
	for i := range inputs {
		px := make([]byte, 64<<10)
		for j := range px {
			px[j] = byte(i + j)
		}
		thumbs[i] = Thumb{Name: fmt.Sprint("img", i), Pixels: px}
		pages[i] = fmt.Sprintf("page %d: %s", i, longText)
		records[i] = fmt.Appendf(nil, `{"id": %d, "name": "record %d", "tags": ["a", "b"], "ok": true}`, i, i)
	}
	ctx := context.Background()
	start := time.Now()
	var g errgroup.Group
	g.Go(func() error { _, err := ps.thumbs.Map(ctx, thumbs); return err })
	g.Go(func() error { _, err := ps.renders.Map(ctx, pages); return err })
	g.Go(func() error { _, err := ps.parses.Map(ctx, records); return err })
	err := g.Wait()
	return time.Since(start), err
}

func (ps pools) close() {
	ps.thumbs.Close()
	ps.renders.Close()
	ps.parses.Close()
}

// longText is the body of every page.
const longText = `A worker process of a set runs whichever task the pool that holds it
binds it to, so three kinds of work share the same processes and the memory
each one loads, instead of each kind starting processes of its own.`
