package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/procpool"
)

// outcome is what became of one input.
type outcome struct {
	in  input
	out int
	err error
}

// runProcpool runs ins on worker processes, each input as its own future so
// that each failure is attributed to its input. It returns the outcomes in
// input order and the pool's stats once every worker has been reaped.
func runProcpool(ctx context.Context, ins []input, workers int) ([]outcome, procpool.Stats) {
	// The table says why each worker died; their forwarded stderr (the
	// panic's stack) would only clutter it.
	p := procpool.New(squareTask, procpool.Workers(workers), procpool.Stderr(io.Discard))
	fs := make([]*future.Future[int], len(ins))
	for i, in := range ins {
		fs[i] = p.Submit(ctx, in)
	}
	outs := make([]outcome, len(ins))
	for i, f := range fs {
		v, err := f.Result(ctx)
		outs[i] = outcome{ins[i], v, err}
	}
	p.Close()
	return outs, p.Stats()
}

// printOutcomes writes one row per input: its fault, its outcome, and for a
// failure why.
func printOutcomes(w io.Writer, outs []outcome) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "input\tfault\toutcome\terror")
	for _, o := range outs {
		f := string(o.in.Fault)
		if o.in.Fault == noFault {
			f = "-"
		}
		if o.err != nil {
			fmt.Fprintf(tw, "%d\t%s\tfailed\t%s\n", o.in.N, f, describe(o.err))
		} else {
			fmt.Fprintf(tw, "%d\t%s\tok: %d\t-\n", o.in.N, f, o.out)
		}
	}
	return tw.Flush()
}

// describe says in one line why an input failed: for a worker that died,
// its pid, how it ended and the line of its stderr that says why.
func describe(err error) string {
	var werr *procpool.WorkerError
	if !errors.Is(err, procpool.ErrWorkerDied) || !errors.As(err, &werr) {
		return err.Error()
	}
	s := fmt.Sprintf("ErrWorkerDied: pid %d, %s", werr.PID, werr.Status)
	if line := crashLine(werr.Stderr); line != "" {
		s += ": " + line
	}
	return s
}

// crashLine returns the line of a crashed Go program's stderr that says
// what happened ("panic: ...", "fatal error: ..."), or "".
func crashLine(stderr []string) string {
	for _, l := range stderr {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			return l
		}
	}
	return ""
}
