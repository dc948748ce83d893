package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// steadyWithin is the largest spread of rounds that agree. On an idle
// machine the rounds of this demo agree within a few percent.
const steadyWithin = 0.10

// fullShare is the share of the CPUs it could use that an engine keeps
// busy when no other program competes for them.
const fullShare = 0.90

// report checks that every engine got the sequential sums, then prints the
// table and the verdict. most is the largest speedup the CPUs allow.
func report(w io.Writer, all []runs, rounds, cpus int, most float64) error {
	base := all[0]
	for _, r := range all {
		for i := range r.sums {
			if r.sums[i] != base.sums[i] {
				return fmt.Errorf("%s: task %d: got %d, sequential got %d", r.engine, i, r.sums[i], base.sums[i])
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "engine\tmedian\tspread\tCPUs busy\tspeedup")
	for _, r := range all {
		busy := "n/a"
		if c, ok := r.cpus(); ok {
			busy = fmt.Sprintf("%.2f", c)
		}
		fmt.Fprintf(tw, "%s\t%.2fs\t%.0f%%\t%s\t%.2f×\n", r.engine, r.median().Seconds(), 100*r.spread(), busy, speedup(base, r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nmedian of %d rounds; spread: (slowest − fastest) / median; CPUs busy: CPU time / wall time;\n"+
		"speedup: sequential median / median. %d CPUs allow at most %.2f×.\n\n", rounds, cpus, most)
	_, err := fmt.Fprintln(w, verdict(all, most))
	return err
}

// speedup is how many times faster r ran than base, by their medians.
func speedup(base, r runs) float64 { return base.median().Seconds() / r.median().Seconds() }

// verdict says whether the figures can be trusted: the rounds must agree,
// and each engine must have kept busy the CPUs it could use. most is the
// largest speedup the CPUs allow, which is also how many CPUs a parallel
// engine keeps busy on average when nothing competes.
func verdict(all []runs, most float64) string {
	worst, noisiest := 0.0, ""
	for _, r := range all {
		if s := r.spread(); s > worst {
			worst, noisiest = s, r.engine
		}
	}
	short := shortOfCPU(all, most)
	if worst > steadyWithin {
		s := fmt.Sprintf("verdict: NOT TO BE TRUSTED. The rounds disagree by up to %.0f%% (%s), more than the %.0f%% of a quiet\n"+
			"machine: other programs were using the CPUs", 100*worst, noisiest, 100*steadyWithin)
		if short != "" {
			s += " (CPUs busy: " + short + ")"
		}
		return s + ". Close them and run again, or give more -rounds." + aboveIdeal(all, most)
	}
	if short != "" {
		return fmt.Sprintf("verdict: STEADY BUT SHARED. The rounds agree within %.0f%%, but other programs took part of the CPUs\n"+
			"(CPUs busy: %s). The speedups show what was left to the engines,\n"+
			"not what they do on an idle machine.", 100*worst, short) + aboveIdeal(all, most)
	}
	return fmt.Sprintf("verdict: the figures hold. The rounds agree within %.0f%%, and the engines had the CPUs to themselves.", 100*worst) +
		aboveIdeal(all, most)
}

// aboveIdeal is a note on a line of its own when an engine's speedup is
// above most, which these CPUs cannot give, or "".
func aboveIdeal(all []runs, most float64) string {
	for _, r := range all[1:] {
		if s := speedup(all[0], r); s > most {
			return fmt.Sprintf("\n%s's %.2f× is above the %.2f× these CPUs allow: timing noise.", r.engine, s, most)
		}
	}
	return ""
}

// shortOfCPU lists the engines that kept busy less than fullShare of the
// CPUs they could use, as "pool 1.33 of 2, ...", or returns "".
func shortOfCPU(all []runs, most float64) string {
	var short []string
	for i, r := range all {
		want := most
		if i == 0 {
			want = 1 // the sequential loop runs on one CPU
		}
		if got, ok := r.cpus(); ok && got < fullShare*want {
			short = append(short, fmt.Sprintf("%s %.2f of %.0f", r.engine, got, want))
		}
	}
	return strings.Join(short, ", ")
}
