// Command logscan parses a large log with a regular expression on either
// engine, streaming it through MapSeq in parts, and prints the throughput,
// the peak memory of the whole process tree (this process and its worker
// processes) and the ten most frequent error codes. An input names a part
// of the file by offset and length; the worker reads the part itself, so
// the log never crosses a pipe.
//
//	go run ./examples/logscan [-engine pool|procpool] [-size 200MB] [-chunk 2MB] [-workers N] [-dir DIR]
//
// The log is generated first, into a new folder in the system's temporary
// directory that is removed when the program ends (Ctrl-C included); with
// -dir the log is kept in that folder instead, and later runs of the same
// -size reuse it. The file is read a part at a time, never whole, and
// MapSeq keeps only a bounded window of parts in flight, so memory stays
// flat as the file grows: compare the peak RSS of -size 50MB and -size 1GB.
// Peak RSS is read from /proc and shows "n/a" on systems other than Linux.
//
// internal/bench/python/logscan.py runs the same scan in Python, with
// multiprocessing.Pool workers that read their parts by offset too, for a
// comparison on the same file: run this with -dir to keep the log.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"runtime"
	"time"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// scanTask is scanPart registered for worker processes.
var scanTask = procpool.Register("logscan", scanPart)

func main() {
	procpool.Main() // in a worker process: serve tasks and exit
	cfg := config{size: 200e6, chunk: 2e6}
	flag.StringVar(&cfg.engine, "engine", "pool", "engine to scan on: pool or procpool")
	flag.Var(&cfg.size, "size", "size of the generated log, such as 200MB or 1GB")
	flag.Var(&cfg.chunk, "chunk", "bytes of the log per task, such as 2MB")
	flag.IntVar(&cfg.workers, "workers", runtime.NumCPU(), "number of workers")
	flag.StringVar(&cfg.dir, "dir", "", "keep the generated log in this folder, for later runs to reuse (default: a temporary folder, removed at the end)")
	flag.Parse()
	// Ctrl-C cancels the run, so that the deferred clean-up still runs.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		stop()
		log.Fatal(err)
	}
}

// config is one run of the scan.
type config struct {
	engine  string
	size    byteSize // of the log
	chunk   byteSize // per task
	workers int
	dir     string // where to keep the log; "" for a temporary folder
}

// newExecutor builds the executor for engine: the only line that differs
// between the engines.
func newExecutor(engine string, workers int) (pool.Executor[Part, Tally], error) {
	switch engine {
	case "pool":
		return pool.New(scanPart, pool.Workers(workers)), nil
	case "procpool":
		return procpool.New(scanTask, procpool.Workers(workers)), nil
	}
	return nil, fmt.Errorf("logscan: -engine %q: want pool or procpool", engine)
}

// run makes sure the log exists, scans it on cfg.engine, and prints the
// figures and the top ten error codes. It says on w what it is doing
// before each long step, and where the log is. A log in a temporary
// folder is removed before run returns, whatever the outcome.
func run(ctx context.Context, w io.Writer, cfg config) (err error) {
	if cfg.size <= 0 || cfg.chunk <= 0 || cfg.workers < 1 {
		return fmt.Errorf("logscan: need a positive -size, -chunk and -workers, got %v, %v, %d", cfg.size, cfg.chunk, cfg.workers)
	}
	ex, err := newExecutor(cfg.engine, cfg.workers)
	if err != nil {
		return err
	}
	defer ex.Close()
	dir, kept := cfg.dir, cfg.dir != ""
	if !kept {
		if dir, err = os.MkdirTemp("", "poolkit-logscan-"); err != nil {
			return fmt.Errorf("logscan: %w", err)
		}
		defer func() { err = removeLog(w, dir, err) }()
	}
	path, generated, err := logFile(ctx, w, dir, int64(cfg.size))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "logscan: %s (%s)\n", path, whence(generated, kept))
	fmt.Fprintf(w, "logscan: scanning it on %s with %d workers ...\n", cfg.engine, cfg.workers)
	s, err := scan(ctx, ex, path, int(cfg.chunk))
	if err != nil {
		return err
	}
	s.engine, s.workers, s.chunk = cfg.engine, cfg.workers, cfg.chunk
	return report(w, s)
}

// whence says where the log came from and what becomes of it.
func whence(generated, kept bool) string {
	switch {
	case !kept:
		return "generated now, in a temporary folder removed at the end"
	case generated:
		return "generated now, kept for later runs with the same -dir and -size"
	}
	return "reused from an earlier run"
}

// removeLog removes the temporary folder dir and says so on w. It returns
// err, or the removal's error if err is nil.
func removeLog(w io.Writer, dir string, err error) error {
	if rerr := os.RemoveAll(dir); rerr != nil {
		return cmp.Or(err, fmt.Errorf("logscan: removing the log: %w", rerr))
	}
	fmt.Fprintf(w, "\nlogscan: removed %s\n", dir)
	return err
}

// scanned is the outcome of one scan.
type scanned struct {
	engine  string
	workers int
	chunk   byteSize
	total   Tally
	wall    time.Duration
	peakRSS uint64
	rssOK   bool
}

// scan streams the file at path through ex in parts of chunk bytes and
// adds up the tallies, drawing a progress bar on a terminal. It closes ex
// before it takes the last memory sample.
func scan(ctx context.Context, ex pool.Executor[Part, Tally], path string, chunk int) (s scanned, err error) {
	rss := startPeakRSS(20 * time.Millisecond)
	defer func() { s.peakRSS, s.rssOK = rss.Stop() }()
	defer ex.Close()
	fi, err := os.Stat(path)
	if err != nil {
		return s, fmt.Errorf("logscan: %w", err)
	}

	start := time.Now()
	bar := newBar(fi.Size(), "scanning")
	defer bar.Clear()
	for t, err := range ex.MapSeq(ctx, parts(path, fi.Size(), int64(chunk))) {
		if err != nil {
			return s, fmt.Errorf("logscan: scanning %s: %w", path, err)
		}
		s.total.merge(t)
		bar.Add64(t.Bytes)
	}
	s.wall = time.Since(start)
	return s, nil
}
