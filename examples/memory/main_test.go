package main

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/poolkit/poolkit/procpool"
)

func TestMain(m *testing.M) {
	procpool.Main()
	goleak.VerifyTestMain(m)
}

// small is a run of a second or two. Each input works 100ms so that every
// input's end brings a fresh RSS measurement, and leaks 8 MiB so that the
// policies differ by far more than the noise.
var small = config{
	inputs:       8,
	workers:      2,
	leak:         8 * mib,
	work:         100 * time.Millisecond,
	recycleAfter: 2,
	maxRSS:       1 * mib, // below any Go process: recycle after every measurement
	every:        4,
}

// TestRunSmall checks that recycling bounds the leak: without it the two
// workers run everything and grow the most; RecycleAfter and MaxRSS use
// more processes and peak lower.
func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, small))
	s := out.String()
	assert.Contains(t, s, "\nrunning them with no recycling (about 400ms) ...\nrunning them with RecycleAfter(2) (about 400ms) ...\nrunning them with MaxRSS(1 MiB) (about 400ms) ...\n\n",
		"a line before each run, and the runs in order")
	assert.Regexp(t, `(?m)^inputs done +no recycling +RecycleAfter\(2\) +MaxRSS\(1 MiB\)$`, s)
	assert.Regexp(t, `(?m)^4 +\S+ \S+ +\S+ \S+ +\S+ \S+$`, s, "a checkpoint row with two workers per policy")
	assert.Regexp(t, `(?m)^8 `, s)

	peak := summaryRow(t, s, "peak worker RSS", `(\d+\.\d) MiB`)
	procs := summaryRow(t, s, "worker processes", `(\d+)`)
	recycled := summaryRow(t, s, `Stats\(\)\.Recycled`, `(\d+)`)

	assert.LessOrEqual(t, procs[0], 2.0, "no recycling: at most one process per worker")
	assert.Zero(t, recycled[0])
	for i, name := range []string{"", "RecycleAfter", "MaxRSS"} {
		if i == 0 {
			continue
		}
		assert.Greater(t, procs[i], 2.0, "%s: more processes than workers", name)
		assert.Positive(t, recycled[i], "%s: recycled", name)
		assert.Less(t, peak[i], peak[0], "%s: peak RSS below no recycling's", name)
	}
}

// summaryRow returns the three numbers of the summary row whose name
// matches the regexp name, each matched by cell.
func summaryRow(t *testing.T, out, name, cell string) []float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + ` +` + cell + ` +` + cell + ` +` + cell + `$`).FindStringSubmatch(out)
	require.NotNil(t, m, "no %q row in:\n%s", name, out)
	ns := make([]float64, 3)
	for i := range ns {
		var err error
		ns[i], err = strconv.ParseFloat(m[i+1], 64)
		require.NoError(t, err)
	}
	return ns
}

func TestWorkersCell(t *testing.T) {
	assert.Equal(t, "45/20 - ?/0", workersCell([]procpool.WorkerStats{
		{PID: 10, RSS: 45 * mib, Tasks: 20},
		{},
		{PID: 11},
	}))
}

func TestExpected(t *testing.T) {
	assert.Equal(t, 3*time.Second, expected(config{inputs: 60, workers: 2, work: 100 * time.Millisecond}))
	assert.Equal(t, 400*time.Millisecond, expected(config{inputs: 7, workers: 2, work: 100 * time.Millisecond}), "a last round of one input")
}

func TestRunNeedsInputs(t *testing.T) {
	cfg := small
	cfg.inputs = 0
	assert.ErrorContains(t, run(&bytes.Buffer{}, cfg), "need at least one input")
}
