// Command fetch is the classic I/O-bound demo: it downloads a set of pages
// from a slow local HTTP server one after another, and then on pools of
// more and more goroutines. Waiting work wants many workers, not many
// cores: the speedup follows the worker count far past the CPU count.
//
//	go run ./examples/fetch [-urls 100] [-workers 10,100] [-min 50ms] [-max 300ms]
//
// The server runs inside the program on 127.0.0.1, and each page answers
// after a delay between -min and -max, fixed per page so that every run
// waits for the same pages. Nothing reaches the internet.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/poolkit/poolkit/pool"
)

func main() {
	urls := flag.Int("urls", 100, "number of pages to fetch")
	workers := flag.String("workers", "10,100", "comma-separated worker counts to try")
	minDelay := flag.Duration("min", 50*time.Millisecond, "shortest server delay")
	maxDelay := flag.Duration("max", 300*time.Millisecond, "longest server delay")
	flag.Parse()
	counts, err := parseCounts(*workers)
	if err != nil {
		log.Fatal(err)
	}
	if err := run(os.Stdout, config{urls: *urls, workers: counts, minDelay: *minDelay, maxDelay: *maxDelay}); err != nil {
		log.Fatal(err)
	}
}

// config is one run of the demo.
type config struct {
	urls               int
	workers            []int // worker counts to try after the sequential run
	minDelay, maxDelay time.Duration
}

// parseCounts parses a comma-separated list of positive worker counts.
func parseCounts(s string) ([]int, error) {
	var counts []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-workers: %q is not a positive number", f)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

// result is one way of fetching every page.
type result struct {
	name    string
	workers int
	wall    time.Duration
	bodies  []string
}

// run starts the server, fetches every page sequentially and with each
// worker count, and prints the table. It returns an error if a fetch
// fails or a pool got different pages than the sequential run.
func run(w io.Writer, cfg config) error {
	if cfg.urls < 1 || cfg.minDelay < 0 || cfg.maxDelay < cfg.minDelay {
		return fmt.Errorf("fetch: need at least one page and 0 <= min <= max delay, got %d pages, %v-%v", cfg.urls, cfg.minDelay, cfg.maxDelay)
	}
	srv := newServer(cfg.minDelay, cfg.maxDelay)
	defer srv.Close()
	client := newClient(max(1, maxOf(cfg.workers)))
	defer client.CloseIdleConnections()

	urls := make([]string, cfg.urls)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s/page/%d", srv.URL, i)
	}
	fmt.Fprintf(w, "fetch: %d pages from a local server answering in %v-%v; %d CPUs\n\n",
		cfg.urls, cfg.minDelay, cfg.maxDelay, runtime.NumCPU())

	get := func(ctx context.Context, url string) (string, error) { return fetch(ctx, client, url) }
	ctx := context.Background()
	fmt.Fprintf(w, "fetching them one after another (about %v) ...\n", expected(cfg).Round(time.Second))
	seq, err := sequential(ctx, get, urls)
	if err != nil {
		return err
	}
	results := []result{seq}
	for _, n := range cfg.workers {
		fmt.Fprintf(w, "fetching them on a pool of %d goroutines ...\n", n)
		r, err := parallel(ctx, get, urls, n)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	fmt.Fprintln(w)
	return report(w, results)
}

// expected is about how long fetching every page one after another takes:
// the delays are spread evenly between the shortest and the longest.
func expected(cfg config) time.Duration {
	return time.Duration(cfg.urls) * (cfg.minDelay + cfg.maxDelay) / 2
}

// sequential fetches urls one after another, stopping at the first error,
// with a progress bar on a terminal.
func sequential(ctx context.Context, get pool.Func[string, string], urls []string) (result, error) {
	bar := newBar(len(urls), "one after another")
	defer bar.Clear()
	start := time.Now()
	bodies := make([]string, len(urls))
	for i, u := range urls {
		b, err := get(ctx, u)
		if err != nil {
			return result{}, fmt.Errorf("sequential: %w", err)
		}
		bodies[i] = b
		bar.Add(1)
	}
	return result{name: "sequential", workers: 1, wall: time.Since(start), bodies: bodies}, nil
}

// parallel fetches urls on a pool of n goroutines. While Map runs, a
// progress bar on a terminal follows the inputs the pool has finished,
// from its Stats.
func parallel(ctx context.Context, get pool.Func[string, string], urls []string, n int) (result, error) {
	p := pool.New(get, pool.Workers(n))
	defer p.Close()
	bar := newBar(len(urls), fmt.Sprintf("%d goroutines", n))
	defer bar.Clear()
	stop := watch(100*time.Millisecond, func() int { return finished(p.Stats()) }, func(n int) { bar.Set(n) })
	start := time.Now()
	bodies, err := p.Map(ctx, urls)
	wall := time.Since(start)
	stop()
	if err != nil {
		return result{}, fmt.Errorf("pool of %d: %w", n, err)
	}
	return result{name: "pool", workers: n, wall: wall, bodies: bodies}, nil
}

// finished counts the inputs that have settled, one way or another.
func finished(s pool.Stats) int {
	return int(s.Completed + s.Failed + s.Cancelled)
}

// report prints the table and checks that every run got the same pages.
func report(w io.Writer, results []result) error {
	base := results[0]
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "engine\tworkers\tCPUs\twall\tspeedup")
	for _, r := range results {
		for i := range r.bodies {
			if r.bodies[i] != base.bodies[i] {
				return fmt.Errorf("%s with %d workers: page %d: got %q, sequential got %q", r.name, r.workers, i, r.bodies[i], base.bodies[i])
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2fs\t%.1f×\n", r.name, r.workers, runtime.NumCPU(), r.wall.Seconds(), speedup(base, r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	best := results[len(results)-1]
	_, err := fmt.Fprintf(w, "\n%d workers on %d CPUs: %.0f× faster. The tasks wait rather than compute:\nwaiting work wants many workers, not many cores.\n",
		best.workers, runtime.NumCPU(), speedup(base, best))
	return err
}

// speedup is how many times faster r ran than base.
func speedup(base, r result) float64 { return base.wall.Seconds() / r.wall.Seconds() }

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
