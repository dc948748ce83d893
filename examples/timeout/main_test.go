package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
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

// small is a run that takes well under a second.
var small = config{
	inputs:  3,
	workers: 2,
	work:    10 * time.Millisecond,
	timeout: 200 * time.Millisecond,
	grace:   100 * time.Millisecond,
	watch:   100 * time.Millisecond,
}

// TestRunSmall checks the conclusion of each half: procpool kills the
// runaway no sooner than timeout plus grace and returns the rest; pool
// settles its future at the timeout, but the goroutine runs on and holds
// up Shutdown.
func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, small))
	procHalf, poolHalf, ok := strings.Cut(out.String(), "\npool: Timeout(200ms)\n")
	require.True(t, ok, "no pool half in:\n%s", out.String())

	t.Run("procpool", func(t *testing.T) {
		m := regexp.MustCompile(`(?m)^1 +runaway +failed +(\d+\.\d\d)s +ErrKilled, DeadlineExceeded +pid \d+, signal: killed$`).FindStringSubmatch(procHalf)
		require.NotNil(t, m, "no killed runaway in:\n%s", procHalf)
		assert.GreaterOrEqual(t, secondsIn(t, m[1]), 0.3, "killed before Timeout + KillGrace")
		assert.Regexp(t, `(?m)^0 +ordinary +ok: 0 `, procHalf)
		assert.Regexp(t, `(?m)^2 +ordinary +ok: 4 `, procHalf)
		assert.Contains(t, procHalf, "Stats().Killed = 1")
	})

	t.Run("pool", func(t *testing.T) {
		m := regexp.MustCompile(`(?m)^1 +runaway +failed +(\d+\.\d\d)s +DeadlineExceeded +context deadline exceeded$`).FindStringSubmatch(poolHalf)
		require.NotNil(t, m, "no timed-out runaway in:\n%s", poolHalf)
		assert.GreaterOrEqual(t, secondsIn(t, m[1]), 0.2, "settled before the timeout")
		assert.Regexp(t, `(?m)^2 +ordinary +ok: 4 `, poolHalf)
		assert.Contains(t, poolHalf, "its goroutine is still running")
		assert.Contains(t, poolHalf, "Stats().Running: 1 with every future settled")
		assert.Contains(t, poolHalf, `Shutdown (ctx deadline 50ms): still blocked after 150ms; returned "context deadline exceeded"`)
	})
}

func secondsIn(t *testing.T, s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err)
	return v
}

func TestRunRejectsWorkPastTimeout(t *testing.T) {
	cfg := small
	cfg.work = cfg.timeout
	assert.ErrorContains(t, run(&bytes.Buffer{}, cfg), "-work below -timeout")
}

func TestMatchesAndDetail(t *testing.T) {
	werr := &procpool.WorkerError{Kind: procpool.ErrKilled, PID: 42, Status: "signal: killed"}
	assert.Equal(t, "ErrKilled", matches(werr))
	assert.Equal(t, "pid 42, signal: killed", detail(werr))
	assert.Equal(t, "-", matches(errStopped))
	assert.Equal(t, errStopped.Error(), detail(errStopped))
}
