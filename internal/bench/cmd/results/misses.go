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
		"future the caller waits on. What costs is the Go scheduler waking " +
		"threads for those hand-offs: strace counts 9 futex calls and 5 " +
		"nanosleeps per round trip against the bare pipe's 1.4 and 0.8. Giving " +
		"the worker one P (GOMAXPROCS=1) took the round trip from about 45 to " +
		"37 us; letting the worker's reader run a lone request itself (the " +
		"goroutines swap roles) gained 2 % (41.8 to 41.0 us, medians of 8 " +
		"alternated runs), too little to keep. The profile is the parent's: " +
		"pipe syscalls and scheduling dominate.",
	"ProcSubmit": "Each unbatched input is one request and one reply, each " +
		"gob-encoded and framed. The parent's requests go out together while a " +
		"worker is busy, but a worker flushes its replies before it runs the " +
		"next input, so that a crash cannot lose a result already computed and " +
		"blame an input that did not cause it: that is a write per input in the " +
		"worker, a few microseconds on this machine, which bounds two workers " +
		"well below a million inputs a second. Map and MapSeq batch them away.",
	"ProcMap": "Map of tiny inputs is bound by the parent, which shares the " +
		"two CPUs with the workers: batches of numbers cross as their memory, " +
		"and what is left is settling each output and the replies' framing; " +
		"Python's figure here is with its chunksize tuned by hand.",
	"ProcPayload": "A value of 64 KiB or more crosses in a lane, memory that " +
		"the parent and a worker on its machine share: one copy in, one copy " +
		"out, and only its offset goes through the pipe; the receiver copies " +
		"it into the memory of a value of about its size that the program " +
		"dropped, if the garbage collector found one since its last cycle, so " +
		"neither side allocates a megabyte per call nor faults in new pages " +
		"for it. What is left is what each call costs besides the copies (a " +
		"round trip is about 2x the bare pipe's, see above) and the collector " +
		"on each side's small heap; the bare pipe streams through one buffer " +
		"it reuses and allocates nothing.",
	"CPU": "The eight tasks take about a millisecond each, and the two workers " +
		"fill both CPUs, so the parent's own work (about 350 us of CPU per Map " +
		"of eight: waking for each reply, settling it, sending the next) " +
		"preempts a worker: timed inside the workers, the same task takes " +
		"0.88 ms alone and up to 1.3 ms beside the parent, while the split of " +
		"inputs stays even (4 and 4 in 18 of 20 Maps). examples/sumsquares, " +
		"with longer tasks, measures 1.9-2.0x for both engines.",
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
		bench, _, _ := strings.Cut(t.group, "/") // why and the profiles are by benchmark
		if _, met, ok := t.check(s); !ok || met || seen[bench] || why[bench] == "" {
			continue
		}
		seen[bench] = true
		if len(seen) == 1 {
			p("\n## Why the missed targets are missed\n")
		}
		p("### %s\n", bench)
		p("%s\n", why[bench])
		if top := profileTop(profiles, bench); top != "" {
			p("Top of the parent's CPU profile for `%s`, this run:\n", t.group)
			p("```\n%s\n```\n", top)
		}
	}
}
