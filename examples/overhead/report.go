package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// noisy is the spread above which a cell's figures are not to be trusted.
// On a quiet machine the spread of five runs stays within a few percent;
// more means other programs were using the CPUs.
const noisy = 0.20

// report prints a row per task size with each engine's median speedup,
// overhead and spread, then where each engine starts to pay off, and last
// whether the runs agreed well enough to trust any of it.
func report(w io.Writer, workers, reps int, names []string, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "task\ttasks\tsequential\t%s\n", strings.Join(names, "\t"))
	for _, r := range rows {
		fmt.Fprintf(tw, "%v\t%d\t%v", r.size, r.tasks, round(r.seq()))
		for i := range names {
			fmt.Fprintf(tw, "\t%5.2f× %s %.0f%%", r.speedup(i), formatOverhead(r.overhead(i, workers)), 100*r.spread(i))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\neach cell: the median speedup over the sequential loop in %d runs; the overhead, the worker\n"+
		"time the engine added per task, (wall × %d workers − sequential) / tasks; and the spread\n"+
		"of the %d speedups, (largest − smallest) / median\n\n", reps, workers, reps)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, name := range names {
		fmt.Fprintf(tw, "%s\t%s\n", name, payoff(rows, i))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", steadiness(rows, len(names)))
	return err
}

// formatOverhead shows d as +d, or "~0" when noise made it negative.
func formatOverhead(d time.Duration) string {
	if d <= 0 {
		return "~0"
	}
	return "+" + round(d).String()
}

// payoff says from which task size engine i beats the sequential loop,
// and warns when the runs around that size disagree too much for the
// answer to hold.
func payoff(rows []row, i int) string {
	at, k, ok := crossover(rows, i)
	var s string
	switch {
	case !ok:
		s = fmt.Sprintf("does not pay off at any size measured (up to %v)", rows[len(rows)-1].size)
	case k == 0:
		s = fmt.Sprintf("pays off at every size measured (from %v)", at)
	default:
		s = fmt.Sprintf("pays off for tasks above ~%v", round(at))
	}
	lo, hi := max(0, k-1), min(len(rows)-1, k)
	spread := 0.0
	for _, r := range rows[lo : hi+1] {
		spread = max(spread, r.spread(i))
	}
	if spread > noisy {
		s += fmt.Sprintf("; but the runs there spread by %.0f%%: too noisy to trust", 100*spread)
	}
	return s
}

// steadiness says whether the runs agreed: how many cells spread by more
// than noisy, and what to do about it.
func steadiness(rows []row, engines int) string {
	var over, cells int
	worst := 0.0
	for _, r := range rows {
		for i := range engines {
			cells++
			if s := r.spread(i); s > noisy {
				over++
				worst = max(worst, s)
			}
		}
	}
	if over == 0 {
		return fmt.Sprintf("every cell's spread is at most %.0f%%: the runs agree, the figures hold on this machine.", 100*noisy)
	}
	return fmt.Sprintf("%d of %d cells spread by more than %.0f%% (up to %.0f%%): other programs were using the CPUs.\n"+
		"Those figures are noise; rerun on a quieter machine, or with more -reps and a larger -budget.",
		over, cells, 100*noisy, 100*worst)
}

// crossover returns the task size from which engine i is faster than the
// loop at every larger size measured, interpolated between the two sizes
// around the crossing on a log scale, and the index of the first row of
// that run of faster sizes. It reports false if the engine is not faster
// even at the largest size.
func crossover(rows []row, i int) (at time.Duration, k int, ok bool) {
	k = len(rows)
	for k > 0 && rows[k-1].speedup(i) > 1 {
		k--
	}
	switch {
	case k == len(rows):
		return 0, k, false
	case k == 0:
		return rows[0].size, 0, true
	}
	lo, hi := rows[k-1], rows[k]
	// speedup is taken as linear in log(size) between lo and hi.
	t := (1 - lo.speedup(i)) / (hi.speedup(i) - lo.speedup(i))
	logSize := math.Log(float64(lo.size)) + t*(math.Log(float64(hi.size))-math.Log(float64(lo.size)))
	return time.Duration(math.Exp(logSize)), k, true
}
