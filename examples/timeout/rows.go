package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// row is what became of one input.
type row struct {
	in      input
	out     int
	err     error
	settled time.Duration // when its future settled, from the start of the run
}

// submitAll submits each input as its own future.
func submitAll(ctx context.Context, ex pool.Executor[input, int], ins []input) []*future.Future[int] {
	fs := make([]*future.Future[int], len(ins))
	for i, in := range ins {
		fs[i] = ex.Submit(ctx, in)
	}
	return fs
}

// collect waits for every future of fs, the futures of ins, and returns
// the rows in input order with the time each settled since start.
func collect(ctx context.Context, fs []*future.Future[int], ins []input, start time.Time) []row {
	index := make(map[*future.Future[int]]int, len(fs))
	for i, f := range fs {
		index[f] = i
	}
	rows := make([]row, len(fs))
	for f := range future.AsCompleted(ctx, fs...) {
		i := index[f]
		v, err := f.Result(ctx)
		rows[i] = row{in: ins[i], out: v, err: err, settled: time.Since(start)}
	}
	return rows
}

// printRows writes one line per input: its outcome, when it settled, and
// for a failure the sentinels its error matches and its detail.
func printRows(w io.Writer, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "input\tkind\toutcome\tsettled\tmatches\tdetail")
	for _, r := range rows {
		kind := "ordinary"
		if r.in.Runaway {
			kind = "runaway"
		}
		if r.err == nil {
			fmt.Fprintf(tw, "%d\t%s\tok: %d\t%s\t-\t-\n", r.in.N, kind, r.out, seconds(r.settled))
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\tfailed\t%s\t%s\t%s\n", r.in.N, kind, seconds(r.settled), matches(r.err), detail(r.err))
	}
	return tw.Flush()
}

// sentinels are the errors a row's error is matched against.
var sentinels = []struct {
	name string
	err  error
}{
	{"ErrKilled", procpool.ErrKilled},
	{"ErrWorkerDied", procpool.ErrWorkerDied},
	{"DeadlineExceeded", context.DeadlineExceeded},
	{"Canceled", context.Canceled},
}

// matches lists the sentinels err matches with errors.Is, or "-".
func matches(err error) string {
	var names []string
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			names = append(names, s.name)
		}
	}
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ", ")
}

// detail says in one line what err is: for a worker that was killed or
// died, its pid and how it ended; otherwise the error's message.
func detail(err error) string {
	var werr *procpool.WorkerError
	if errors.As(err, &werr) {
		return fmt.Sprintf("pid %d, %s", werr.PID, werr.Status)
	}
	return err.Error()
}

// seconds formats d as "0.50s".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.2fs", d.Seconds())
}
