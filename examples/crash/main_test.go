package main

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/poolkit/poolkit/procpool"
)

func TestMain(m *testing.M) {
	procpool.Main()
	poolChild() // the test binary is also the child that runs the pool half
	goleak.VerifyTestMain(m)
}

// TestRunSmall runs both halves on 8 inputs: procpool must fail exactly the
// three faulty inputs, each with its worker's pid and how it ended, and
// return the rest; pool's child process must die before all results.
func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, 8, 2))
	s := out.String()

	t.Run("procpool", func(t *testing.T) {
		for _, row := range []string{
			`(?m)^2 +nil deref in a goroutine +failed +ErrWorkerDied: pid \d+, exit status 2: panic: runtime error: invalid memory address or nil pointer dereference$`,
			`(?m)^4 +os\.Exit\(3\) +failed +ErrWorkerDied: pid \d+, exit status 3$`,
			`(?m)^6 +SIGKILL to itself +failed +ErrWorkerDied: pid \d+, signal: killed$`,
			`(?m)^7 +- +ok: 49 +-$`,
		} {
			assert.Regexp(t, row, s)
		}
		assert.Contains(t, s, "procpool: 5 of 8 results; failed: inputs 2, 4, 6; Stats().Died = 3")
	})

	t.Run("pool", func(t *testing.T) {
		m := regexp.MustCompile(`pool: the process died with (exit status [1-9]\d*|signal: killed) after (\d+) of 8 results`).FindStringSubmatch(s)
		require.NotNil(t, m, "pool half did not report the process dying:\n%s", s)
		results, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		assert.Less(t, results, 8)
		if m[1] == "exit status 2" {
			assert.Contains(t, s, "\tpanic: runtime error: invalid memory address or nil pointer dereference\n")
		}
		assert.Regexp(t, `(?m)^pool +\d+ of 8 +all \d+ unfinished +died: `+regexp.QuoteMeta(m[1])+`$`, s)
	})
}

func TestRunNeedsFourInputs(t *testing.T) {
	assert.EqualError(t, run(&bytes.Buffer{}, 3, 2), "-inputs 3: need at least 4")
}

func TestLastLinesSkipsBlankLines(t *testing.T) {
	assert.Equal(t, []string{"b", "c"}, lastLines("a\n\nb\n \nc\n", 2))
	assert.Empty(t, lastLines("", 2))
}

func TestCrashLine(t *testing.T) {
	assert.Equal(t, "fatal error: out of memory", crashLine([]string{"x", "fatal error: out of memory", "goroutine 1"}))
	assert.Equal(t, "", crashLine([]string{"nothing to see"}))
}
