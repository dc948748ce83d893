package procpool_test

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

// fewFiles is the open-file limit of the helper: far fewer than 32
// workers need, each holding pipes (and a pidfd) in the parent.
const fewFiles = 64

// Each start of a pool is a new race for the few files, the first in a
// process more than the others: the test runs pressureHelpers helpers, one
// after the other, each starting pressureRounds pools.
const (
	pressureHelpers = 4
	pressureRounds  = 3
)

// TestHelperFewFiles is not a test: TestStartFailuresUnderPressure runs
// this test binary again to lower its open-file limit, as `ulimit -n 64`
// would, and run Map on more workers than it can start, with a new pool
// each round. For each it reports how many workers ran inputs, were
// running after Map and failed to start, and Map's error.
func TestHelperFewFiles(t *testing.T) {
	if os.Getenv(helperEnv) != "FewFiles" {
		t.Skip("helper process for TestStartFailuresUnderPressure")
	}
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	lim.Cur = fewFiles
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim))

	for round := range pressureRounds {
		p := procpool.New(pidTask, procpool.Workers(32))
		pids, err := p.Map(bg(), ints(300))
		s := p.Stats()
		ran := map[int]bool{}
		for _, pid := range pids {
			ran[pid] = true
		}
		running := 0
		for _, w := range s.Procs {
			if w.PID != 0 {
				running++
			}
		}
		fmt.Printf("round %d: ran %d running %d failed %d: %s\n", round, len(ran), running, s.StartFailures,
			strings.ReplaceAll(fmt.Sprint(err), "\n", " | "))
		require.NoError(t, p.Close())
	}
}

// A pool that can start only some of its workers, for want of files, runs
// on those: no input fails while one worker serves.
func TestStartFailuresUnderPressure(t *testing.T) {
	failures := 0
	for helper := range pressureHelpers {
		h := startHelper(t, "FewFiles", nil)
		for round := range pressureRounds {
			report := h.next(t, fmt.Sprintf("round %d: ", round), time.Minute)
			var ran, running, failed int
			_, err := fmt.Sscanf(report, "ran %d running %d failed %d:", &ran, &running, &failed)
			require.NoError(t, err, "the helper's report: %s", report)
			_, mapErr, _ := strings.Cut(report, ": ")
			t.Logf("helper %d, round %d, %d open files, Workers(32): %d workers ran inputs, %d were running after Map, %d starts failed",
				helper, round, fewFiles, ran, running, failed)

			assert.Equal(t, "<nil>", mapErr, "helper %d, round %d: Map runs on the workers that could start", helper, round)
			assert.NotZero(t, ran, "helper %d, round %d: some worker ran the inputs", helper, round)
			failures += failed
		}
		require.NoError(t, h.wait(t, time.Minute), "the helper ends cleanly; stderr:\n%s", h.stderr)
	}
	assert.NotZero(t, failures, "the file limit kept some workers from starting, or the test tests nothing")
}
