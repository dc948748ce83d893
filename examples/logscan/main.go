// Command logscan parses a large log with regular expressions on either
// engine, streaming it through MapSeq in chunks of whole lines, and prints
// the throughput, the peak memory of the whole process tree (this process
// and its worker processes) and the ten most frequent error codes.
//
//	go run ./examples/logscan [-engine pool|procpool] [-size 200MB] [-chunk 2MB] [-workers N] [-dir DIR]
//
// The first run generates the log into -dir (by default a folder in the
// system's temporary directory); later runs of the same -size reuse it.
// The file is read a chunk at a time, never whole, and MapSeq keeps only a
// bounded window of chunks in flight, so memory stays flat as the file
// grows: compare the peak RSS of -size 50MB and -size 1GB. Peak RSS is
// read from /proc and shows "n/a" on systems other than Linux.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/poolkit/poolkit/internal/progress"
	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// scanTask is scanChunk registered for worker processes.
var scanTask = procpool.Register("logscan", scanChunk)

func main() {
	procpool.Main() // in a worker process: serve tasks and exit
	cfg := config{size: 200e6, chunk: 2e6}
	flag.StringVar(&cfg.engine, "engine", "pool", "engine to scan on: pool or procpool")
	flag.Var(&cfg.size, "size", "size of the generated log, such as 200MB or 1GB")
	flag.Var(&cfg.chunk, "chunk", "bytes of whole lines per task, such as 2MB")
	flag.IntVar(&cfg.workers, "workers", runtime.NumCPU(), "number of workers")
	flag.StringVar(&cfg.dir, "dir", filepath.Join(os.TempDir(), "poolkit-logscan"), "where to keep the generated log")
	flag.Parse()
	if err := run(os.Stdout, cfg); err != nil {
		log.Fatal(err)
	}
}

// config is one run of the scan.
type config struct {
	engine  string
	size    byteSize // of the log
	chunk   byteSize // per task
	workers int
	dir     string
}

// newExecutor builds the executor for engine: the only line that differs
// between the engines.
func newExecutor(engine string, workers int) (pool.Executor[[]byte, Tally], error) {
	switch engine {
	case "pool":
		return pool.New(scanChunk, pool.Workers(workers)), nil
	case "procpool":
		return procpool.New(scanTask, procpool.Workers(workers)), nil
	}
	return nil, fmt.Errorf("logscan: -engine %q: want pool or procpool", engine)
}

// run makes sure the log exists, scans it on cfg.engine, and prints the
// figures and the top ten error codes. Progress goes to w too.
func run(w io.Writer, cfg config) error {
	if cfg.size <= 0 || cfg.chunk <= 0 || cfg.workers < 1 {
		return fmt.Errorf("logscan: need a positive -size, -chunk and -workers, got %v, %v, %d", cfg.size, cfg.chunk, cfg.workers)
	}
	path, generated, err := logFile(w, cfg.dir, int64(cfg.size))
	if err != nil {
		return err
	}
	how := "reused from an earlier run"
	if generated {
		how = "generated now"
	}
	fmt.Fprintf(w, "logscan: %s (%s)\n", path, how)
	ex, err := newExecutor(cfg.engine, cfg.workers)
	if err != nil {
		return err
	}
	s, err := scan(w, ex, path, int(cfg.chunk))
	if err != nil {
		return err
	}
	s.engine, s.workers, s.chunk = cfg.engine, cfg.workers, cfg.chunk
	return report(w, s)
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

// scan streams the file at path through ex in chunks of about chunk bytes
// and adds up the tallies, showing progress on w. It closes ex.
func scan(w io.Writer, ex pool.Executor[[]byte, Tally], path string, chunk int) (s scanned, err error) {
	rss := startPeakRSS(20 * time.Millisecond)
	defer func() { s.peakRSS, s.rssOK = rss.Stop() }()
	defer ex.Close()
	f, err := os.Open(path)
	if err != nil {
		return s, fmt.Errorf("logscan: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return s, fmt.Errorf("logscan: %w", err)
	}

	start := time.Now()
	chunks := newChunker(f, chunk)
	bar := progress.New(w, "scan", fi.Size(), progress.Bytes())
	defer bar.Done()
	for t, err := range ex.MapSeq(context.Background(), chunks.All()) {
		if err != nil {
			return s, fmt.Errorf("logscan: scanning %s: %w", path, err)
		}
		s.total.merge(t)
		bar.Add(t.Bytes)
	}
	if err := chunks.Err(); err != nil {
		return s, fmt.Errorf("logscan: %s: %w", path, err)
	}
	s.wall = time.Since(start)
	return s, nil
}
