package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// report prints a row per task size with each engine's speedup and
// overhead, then where each engine starts to pay off.
func report(w io.Writer, workers int, names []string, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "task\ttasks\tsequential\t%s\n", strings.Join(names, "\t"))
	for _, r := range rows {
		fmt.Fprintf(tw, "%v\t%d\t%v", r.size, r.tasks, round(r.seq))
		for i := range names {
			fmt.Fprintf(tw, "\t%5.2f× %s", r.speedup(i), formatOverhead(r.overhead(i, workers)))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nper engine: speedup over the sequential loop, and overhead: the worker time it added\nper task, (wall × %d workers − sequential) / tasks\n\n", workers)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, name := range names {
		fmt.Fprintf(tw, "%s\t%s\n", name, payoff(rows, i))
	}
	return tw.Flush()
}

// formatOverhead shows d as +d, or "~0" when noise made it negative.
func formatOverhead(d time.Duration) string {
	if d <= 0 {
		return "~0"
	}
	return "+" + round(d).String()
}

// payoff says from which task size engine i beats the sequential loop.
func payoff(rows []row, i int) string {
	at, ok := crossover(rows, i)
	switch {
	case !ok:
		return fmt.Sprintf("does not pay off at any size measured (up to %v)", rows[len(rows)-1].size)
	case at == rows[0].size:
		return fmt.Sprintf("pays off at every size measured (from %v)", at)
	}
	return fmt.Sprintf("pays off for tasks above ~%v", round(at))
}

// crossover returns the task size from which engine i is faster than the
// loop at every larger size measured, interpolated between the two sizes
// around the crossing on a log scale. It reports false if the engine is
// not faster even at the largest size.
func crossover(rows []row, i int) (time.Duration, bool) {
	k := len(rows)
	for k > 0 && rows[k-1].speedup(i) > 1 {
		k--
	}
	switch {
	case k == len(rows):
		return 0, false
	case k == 0:
		return rows[0].size, true
	}
	lo, hi := rows[k-1], rows[k]
	// speedup is taken as linear in log(size) between lo and hi.
	t := (1 - lo.speedup(i)) / (hi.speedup(i) - lo.speedup(i))
	logSize := math.Log(float64(lo.size)) + t*(math.Log(float64(hi.size))-math.Log(float64(lo.size)))
	return time.Duration(math.Exp(logSize)), true
}
