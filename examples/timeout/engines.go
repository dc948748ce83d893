package main

import (
	"context"
	"io"
	"sync/atomic"
	"time"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// procpoolRun is what the procpool half saw.
type procpoolRun struct {
	rows      []row
	killed    uint64        // worker processes killed, from Stats
	closeTook time.Duration // how long Close took once every input had settled
}

// runProcpool runs ins in worker processes with cfg's timeout and kill
// grace, each input as its own future.
func runProcpool(ctx context.Context, cfg config, ins []input) procpoolRun {
	p := procpool.New(stepTask,
		procpool.Workers(cfg.workers),
		procpool.Timeout(cfg.timeout),
		procpool.KillGrace(cfg.grace),
		procpool.Stderr(io.Discard))
	start := time.Now()
	rows := collect(ctx, submitAll(ctx, p, ins), ins, start)
	closing := time.Now()
	p.Close()
	return procpoolRun{rows: rows, killed: p.Stats().Killed, closeTook: time.Since(closing)}
}

// poolRun is what the pool half saw.
type poolRun struct {
	rows []row

	// The runaway's counter when its future settled, and after watching
	// it for a while once every future had settled.
	spinsAtSettle, spinsLater int64
	running                   int // Stats().Running once every future had settled

	shutdown shutdownResult
}

// runPool runs ins on goroutines with cfg's timeout, each input as its own
// future, then watches the runaway go on after its future settled and
// tries to shut the pool down under it. It lets the runaway return (with
// stop) before it returns, so no goroutine is left behind.
func runPool(ctx context.Context, cfg config, ins []input) poolRun {
	stop.Store(false)
	p := pool.New(step, pool.Workers(cfg.workers), pool.Timeout(cfg.timeout))
	start := time.Now()
	fs := submitAll(ctx, p, ins)
	var atSettle atomic.Int64
	fs[runaway].OnSettle(func(int, error) { atSettle.Store(spins.Load()) })
	r := poolRun{rows: collect(ctx, fs, ins, start)}

	time.Sleep(cfg.watch) // the runaway keeps counting meanwhile
	r.spinsAtSettle, r.spinsLater = atSettle.Load(), spins.Load()
	r.running = p.Stats().Running
	r.shutdown = shutdownUnder(p, cfg.watch/2)
	return r
}

// shutdownResult is how Shutdown fared with the runaway still running.
type shutdownResult struct {
	deadline time.Duration // of Shutdown's ctx
	blocked  bool          // still blocked three deadlines later
	err      error         // what it returned in the end
	took     time.Duration // how long it took to return
}

// shutdownUnder calls p.Shutdown with a ctx that ends after deadline while
// the runaway runs, and waits three deadlines to see whether it returns.
// Then it sets stop, so the runaway returns, and waits for Shutdown.
func shutdownUnder(p *pool.Pool[input, int], deadline time.Duration) shutdownResult {
	defer stop.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- p.Shutdown(ctx) }()
	r := shutdownResult{deadline: deadline, blocked: true}
	select {
	case r.err = <-done:
		r.blocked = false
	case <-time.After(3 * deadline):
		stop.Store(true)
		r.err = <-done
	}
	r.took = time.Since(start)
	return r
}
