package main

import (
	"fmt"
	"strings"
)

// target is one row of DESIGN.md's performance targets.
type target struct {
	figure, want string
	// check returns the figure measured, whether it meets the target, and
	// false if this run did not measure it.
	check func(s *suite) (got string, met, ok bool)
	// group, unit and refs name the reference figures to print beside it.
	group, unit string
	refs        []string
}

var targets = []target{
	{"`pool.Map`, tiny tasks, ns/item", "≤ fastest peer", fastestPeer("MapTiny", "poolkit"),
		"MapTiny", "ns/op", []string{"conc-iter", "stealing"}},
	{"`pool` Submit + Result, tiny task", "≤ 600 ns", meets("SubmitResult", "poolkit", "ns/op", 600),
		"SubmitResult", "ns/op", []string{"pond", "go-chan"}},
	{"`pool` Submit + Result, tiny task", "≤ 2 allocs", meets("SubmitResult", "poolkit", "allocs/op", 2),
		"SubmitResult", "allocs/op", []string{"pond", "go-chan"}},
	{"CPU-bound speedup, `pool`", "≥ 1.9×", meets("CPU", "poolkit", "speedup", 1.9),
		"CPU", "speedup", []string{"stealing", "python-ppe"}},
	{"CPU-bound speedup, `procpool`", "≥ 1.9×", meets("CPU", "procpool", "speedup", 1.9),
		"CPU", "speedup", []string{"python-ppe", "python-mp"}},
	{"`procpool` round trip, one tiny task", "≤ 2× the bare pipe", ratioTo("ProcRoundTrip", "procpool", "pipe", "ns/op", 2),
		"ProcRoundTrip", "ns/op", []string{"python-ppe", "pipe"}},
	{"`procpool` Submit throughput, tiny, unbatched", "≥ 1 M/s", meets("ProcSubmit", "procpool", "tasks/s", 1e6),
		"ProcSubmit", "tasks/s", []string{"python-ppe", "pipe"}},
	{"`procpool` Submit throughput, tiny, unbatched", "≥ 40 % of the pipelined pipe", ratioTo("ProcSubmit", "procpool", "pipe", "tasks/s", 0.4),
		"ProcSubmit", "tasks/s", []string{"pipe"}},
	{"`procpool.Map` throughput, tiny, auto-chunked", "≥ 3× Python's `multiprocessing.Pool.map`", ratioTo("ProcMap", "procpool", "python-mp", "tasks/s", 3),
		"ProcMap", "tasks/s", []string{"python-mp", "python-ppe-chunked"}},
	{"`procpool` 1 MB input and output, one worker", "≥ 80 % of the bare pipe's throughput", ratioTo("ProcPayload/size=1MB", "procpool", "pipe", "MB/s", 0.8),
		"ProcPayload/size=1MB", "MB/s", []string{"python-ppe", "pipe"}},
	{"`procpool` 1 MB input and output, one worker", "≥ Python's `ProcessPoolExecutor`", ratioTo("ProcPayload/size=1MB", "procpool", "python-ppe", "MB/s", 1),
		"ProcPayload/size=1MB", "MB/s", []string{"python-ppe"}},
	{"spawn → first result", "≤ 2× a bare exec", ratioTo("Spawn", "procpool", "exec", "ns/op", 2),
		"Spawn", "ns/op", []string{"python-fork", "python-spawn", "exec"}},
	{"killed worker → its future settled", "≤ 10 ms", meets("ProcKill", "procpool", "ns/op", 10e6),
		"ProcKill", "ns/op", []string{"python-ppe", "exec"}},
	{"`MapSeq` peak RSS, `pool`", "flat: ≤ 1.2× from 1 M to 10 M items", flat("poolkit"), "", "", nil},
	{"`MapSeq` peak RSS, `procpool`", "flat: ≤ 1.2× from 1 M to 10 M items", flat("procpool"), "", "", nil},
}

// references prints t's reference figures measured in this run.
func (t target) references(s *suite) string {
	var out []string
	for _, lib := range t.refs {
		if v, ok := s.median(t.group, lib, t.unit); ok {
			out = append(out, lib+" "+format(t.unit, v))
		}
	}
	return strings.Join(out, " · ")
}

// meets checks that lib's unit in group is no worse than limit: at most
// limit, or at least where higher is better.
func meets(group, lib, unit string, limit float64) func(*suite) (string, bool, bool) {
	return func(s *suite) (string, bool, bool) {
		v, ok := s.median(group, lib, unit)
		return format(unit, v), ok && !better(unit, limit, v), ok
	}
}

// ratioTo checks lib's unit in group against ref's, measured in the same
// run: at most limit times it, or at least where higher is better.
func ratioTo(group, lib, ref, unit string, limit float64) func(*suite) (string, bool, bool) {
	return func(s *suite) (string, bool, bool) {
		v, ok := s.median(group, lib, unit)
		r, rok := s.median(group, ref, unit)
		if !ok || !rok || r == 0 {
			return "", false, false
		}
		return fmt.Sprintf("%s, %.2f× %s's %s", format(unit, v), v/r, ref, format(unit, r)), !better(unit, limit*r, v), true
	}
}

// fastestPeer checks that lib's ns/op in group is at most the best peer's.
func fastestPeer(group, lib string) func(*suite) (string, bool, bool) {
	return func(s *suite) (string, bool, bool) {
		v, ok := s.median(group, lib, "ns/op")
		p := s.best(group, "ns/op", false)
		if !ok || !p.ok {
			return "", false, false
		}
		return fmt.Sprintf("%s vs %s (%s)", format("ns/op", v), format("ns/op", p.v), p.lib), v <= p.v, true
	}
}

// flat compares lib's peak RSS in the first and last MapSeq groups, the
// smallest and largest inputs.
func flat(lib string) func(*suite) (string, bool, bool) {
	return func(s *suite) (string, bool, bool) {
		var gs []string
		for _, g := range s.groups {
			if _, ok := s.median(g, lib, "peak-MB"); ok {
				gs = append(gs, g)
			}
		}
		if len(gs) < 2 {
			return "", false, false
		}
		lo, _ := s.median(gs[0], lib, "peak-MB")
		hi, _ := s.median(gs[len(gs)-1], lib, "peak-MB")
		return fmt.Sprintf("%.1f MB (%s) → %.1f MB (%s), %.2f×", lo, gs[0], hi, gs[len(gs)-1], hi/lo), hi <= 1.2*lo, true
	}
}
