package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/poolkit/poolkit/procpool"
)

// report prints the inputs each host and each worker ran.
func report(w io.Writer, outs []where, s procpool.Stats) error {
	perHost := map[string]int{}
	perPID := map[string]int{}
	for _, o := range outs {
		perHost[o.Host]++
		perPID[fmt.Sprintf("%s/%d", o.Host, o.PID)]++
	}
	fmt.Fprintf(w, "cluster: %d inputs on %d workers\n\n", len(outs), len(s.Procs))
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "host\tinputs")
	for _, h := range slices.Sorted(maps.Keys(perHost)) {
		fmt.Fprintf(tw, "%s\t%d\n", h, perHost[h])
	}
	fmt.Fprintln(tw, "\nworker\thost\tpid\tinputs")
	for _, p := range s.Procs {
		if p.PID == 0 {
			fmt.Fprintf(tw, "%d\t-\t-\tnot running\n", p.Slot)
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\n", p.Slot, p.Host, p.PID, perPID[fmt.Sprintf("%s/%d", p.Host, p.PID)])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if s.StartFailures > 0 {
		fmt.Fprintf(w, "\n%d worker starts failed; run with POOLKIT_LOG=1 to see why\n", s.StartFailures)
	}
	return nil
}
