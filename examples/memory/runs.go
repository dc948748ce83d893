package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/poolkit/poolkit/procpool"
)

// policy is one way of running the leaky task: a name for the table and
// the recycling options that make it.
type policy struct {
	name string
	opts []procpool.Option
}

// snapshot is the pool's workers after some inputs had returned.
type snapshot struct {
	done  int
	procs []procpool.WorkerStats
}

// outcome is what one run saw.
type outcome struct {
	snapshots []snapshot // at every checkpoint, in order
	peakRSS   uint64     // the largest worker RSS in any sample
	pids      int        // distinct worker processes that ran inputs
	recycled  uint64     // from Stats once the pool was closed
}

// runPolicy runs cfg.inputs leaky inputs with MapSeq under pol, with a
// progress bar on a terminal. It samples
// Stats().Procs after every result for the peak RSS, and keeps the
// samples taken after every cfg.every-th result.
func runPolicy(ctx context.Context, cfg config, pol policy) (outcome, error) {
	opts := append([]procpool.Option{procpool.Workers(cfg.workers), procpool.Stderr(io.Discard)}, pol.opts...)
	p := procpool.New(leakTask, opts...)
	defer p.Close()
	bar := newBar(cfg.inputs, pol.name)
	defer bar.Clear()
	var o outcome
	pids := map[int]bool{}
	done := 0
	for pid, err := range p.MapSeq(ctx, inputs(cfg)) {
		if err != nil {
			return o, fmt.Errorf("%s: %w", pol.name, err)
		}
		pids[pid] = true
		done++
		bar.Add(1)
		procs := p.Stats().Procs
		for _, w := range procs {
			o.peakRSS = max(o.peakRSS, w.RSS)
		}
		if done%cfg.every == 0 || done == cfg.inputs {
			o.snapshots = append(o.snapshots, snapshot{done, slices.Clone(procs)})
		}
	}
	p.Close()
	o.pids, o.recycled = len(pids), p.Stats().Recycled
	return o, nil
}
