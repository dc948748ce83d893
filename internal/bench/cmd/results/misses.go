package main

import (
	"os"
	"path/filepath"
	"strings"
)

// why explains, for the targets a run may miss, what stands in the way.
// It is keyed by the benchmark group the target reads; the profile of that
// benchmark, taken in the same run, follows it in RESULTS.md.
var why = map[string]string{
	"ProcRoundTrip": "A round trip wakes five goroutines in two processes in turn: " +
		"the pump that writes the request, the worker's reader and runner, the " +
		"parent's reader, and the caller. On this virtual machine each cross-thread " +
		"wake-up has a long tail (tens of µs at the 90th percentile), and the bare " +
		"pipe pays two of them where procpool pays five; the median round trip is " +
		"well below the mean that the benchmark reports. The profile is the " +
		"parent's: scheduling and pipe syscalls, not encoding, dominate.",
	"ProcSubmit": "Each unbatched input is one request and one reply, each " +
		"gob-encoded and framed, and a worker flushes its replies before it runs " +
		"the next input, so that a crash cannot lose a result already computed. " +
		"That is a write per input on each side; Map and MapSeq batch them away.",
	"CPU": "The eight tasks take about a millisecond each here, so per-task " +
		"overhead and the load of a shared 2-CPU machine weigh on the figure; " +
		"sequential runs are timed just before each lib to cancel the drift, but a " +
		"burst during one lib's repetitions still shows. examples/sumsquares, with " +
		"half-second tasks, measures 1.9-2.1x for both engines.",
}

// profileTop returns the saved `go tool pprof -top` output for group, if
// run.sh captured one in dir.
func profileTop(dir, group string) string {
	if dir == "" {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(dir, group+".txt"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// writeMisses explains each missed target, with its profile.
func (s *suite) writeMisses(p func(string, ...any), profiles string) {
	seen := map[string]bool{}
	for _, t := range targets {
		if _, met, ok := t.check(s); !ok || met || seen[t.group] || why[t.group] == "" {
			continue
		}
		seen[t.group] = true
		if len(seen) == 1 {
			p("\n## Why the missed targets are missed\n")
		}
		p("### %s\n", t.group)
		p("%s\n", why[t.group])
		if top := profileTop(profiles, t.group); top != "" {
			p("Top of the parent's CPU profile for `%s`, this run:\n", t.group)
			p("```\n%s\n```\n", top)
		}
	}
}
