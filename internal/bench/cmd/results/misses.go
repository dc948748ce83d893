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
	"ProcRoundTrip": "A round trip crosses two processes: the caller writes the " +
		"request itself (there is no pump), the worker's reader hands it to the " +
		"runner, which writes the reply, and the parent's reader settles the " +
		"future the caller waits on. Beside the bare pipe's two wake-ups that is " +
		"two more goroutine hand-offs, four gob codings and a dozen locks and " +
		"allocations; on this virtual machine each cross-thread wake-up has a " +
		"long tail, and the mean the benchmark reports is above the median. The " +
		"profile is the parent's: pipe syscalls and scheduling dominate.",
	"ProcSubmit": "Each unbatched input is one request and one reply, each " +
		"gob-encoded and framed. The parent's requests go out together while a " +
		"worker is busy, but a worker flushes its replies before it runs the " +
		"next input, so that a crash cannot lose a result already computed and " +
		"blame an input that did not cause it: that is a write per input in the " +
		"worker, a few microseconds on this machine, which bounds two workers " +
		"well below a million inputs a second. Map and MapSeq batch them away.",
	"ProcMap": "Map of tiny inputs is bound by gob's encoding and decoding of " +
		"the batches on both sides of the pipe (a few nanoseconds an input each " +
		"way), which the two CPUs share with the workers; Python's figure here " +
		"is with its chunksize tuned by hand.",
	"ProcPayload": "A large []byte crosses as a raw frame, written from the " +
		"caller's memory and read into the slice the receiver keeps, so no " +
		"encoder buffer copies it; what is left is memory: each side allocates " +
		"a new megabyte per call on a small heap, so the garbage collector runs " +
		"every call or two and freed pages go back to the system and fault in " +
		"again. With GOGC=400 in the environment, which the workers inherit, " +
		"the same benchmark ran at 750 us against the pipe's 848 us " +
		"(alternated, n=5); poolkit leaves that policy to the program.",
	"CPU": "The eight tasks take about a millisecond each here, so per-task " +
		"overhead and the load of a shared 2-CPU machine weigh on the figure; " +
		"sequential runs are timed just before each lib to cancel the drift, but a " +
		"burst during one lib's repetitions still shows. examples/sumsquares, with " +
		"longer tasks, measures 1.9-2.0x for both engines.",
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
