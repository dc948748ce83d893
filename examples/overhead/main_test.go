package main

import (
	"bytes"
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

func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	cfg := config{min: time.Microsecond, max: 30 * time.Microsecond, budget: 2 * time.Millisecond, reps: 3, maxTasks: 100, workers: 2}
	require.NoError(t, run(&out, cfg))

	lines := strings.Split(out.String(), "\n")
	require.Greater(t, len(lines), 16, out.String())
	assert.Contains(t, lines[0], "2 workers per engine")
	assert.Regexp(t, `^measuring 4 task sizes from 1µs to 30µs, 3 runs each on every engine \(about \S+\) \.\.\.$`, lines[2],
		"a line before the measurements")
	assert.Equal(t, "task tasks sequential pool procpool Map procpool Submit", strings.Join(strings.Fields(lines[4]), " "))
	for i, size := range []string{"1µs +100", "3µs +100", "10µs +100", "30µs +66"} {
		assert.Regexp(t, "^"+size+` +[0-9.]+[µmn]?s( +[0-9.]+× (\+[0-9.]+[µmn]?s|~0) [0-9]+%){3}$`, lines[5+i])
	}
	for _, name := range []string{"pool ", "procpool Map ", "procpool Submit "} {
		assert.Regexp(t, "(?m)^"+name+" *(pays off|does not pay off)", out.String())
	}
	assert.Regexp(t, `(?m)^(every cell's spread is at most 20%|\d+ of 12 cells spread by more than 20%)`, out.String(),
		"a verdict on the spread")
}

func TestConfigCheck(t *testing.T) {
	good := config{min: time.Microsecond, max: time.Millisecond, budget: time.Millisecond, reps: 3, maxTasks: 8, workers: 2}
	require.NoError(t, good.check())
	for name, bad := range map[string]func(c *config){
		"-min":      func(c *config) { c.min = 0 },
		"-max":      func(c *config) { c.max = time.Nanosecond },
		"-budget":   func(c *config) { c.budget = 0 },
		"-reps":     func(c *config) { c.reps = 2 },
		"-workers":  func(c *config) { c.workers = 0 },
		"-maxtasks": func(c *config) { c.maxTasks = 3 },
	} {
		c := good
		bad(&c)
		assert.ErrorContains(t, c.check(), name)
	}
}

func TestSizes(t *testing.T) {
	us, ms := time.Microsecond, time.Millisecond
	assert.Equal(t, []time.Duration{us, 3 * us, 10 * us, 30 * us, 100 * us, 300 * us, ms}, sizes(us, ms))
	assert.Equal(t, []time.Duration{3 * us, 10 * us}, sizes(2*us, 20*us))
}

func TestTasksFor(t *testing.T) {
	cfg := config{budget: 100 * time.Millisecond, maxTasks: 1000, workers: 2}
	assert.Equal(t, 1000, tasksFor(time.Microsecond, cfg), "capped by maxTasks")
	assert.Equal(t, 100, tasksFor(time.Millisecond, cfg), "budget / size")
	assert.Equal(t, 4, tasksFor(time.Second, cfg), "at least two per worker")
}

// rowsWith makes rows of sizes 1, 10, 100... ns whose engine 0 ran three
// times with the given speedups over a sequential time of one second.
func rowsWith(speedups ...float64) []row {
	rows := make([]row, len(speedups))
	size := time.Duration(1)
	for i, s := range speedups {
		wall := time.Duration(float64(time.Second) / s)
		rows[i] = row{size: size, tasks: 10, seqs: []time.Duration{time.Second, time.Second, time.Second},
			walls: [][]time.Duration{{wall, wall, wall}}}
		size *= 10
	}
	return rows
}

func TestCrossover(t *testing.T) {
	at, k, ok := crossover(rowsWith(0.5, 1.5, 2), 0)
	require.True(t, ok)
	assert.Equal(t, 1, k)
	assert.Equal(t, 3*time.Nanosecond, at.Round(time.Nanosecond), "halfway from 0.5× to 1.5× on a log scale: √10")

	at, k, ok = crossover(rowsWith(1.2, 0.8, 1.5, 1.9), 0)
	require.True(t, ok)
	assert.Equal(t, 2, k)
	assert.Greater(t, at, 10*time.Nanosecond, "a dip below 1× moves the crossover past it")
	assert.Less(t, at, 100*time.Nanosecond)

	at, k, ok = crossover(rowsWith(1.1, 1.9), 0)
	assert.True(t, ok)
	assert.Zero(t, k)
	assert.Equal(t, time.Duration(1), at)
	assert.Equal(t, "pays off at every size measured (from 1ns)", payoff(rowsWith(1.1, 1.9), 0))

	_, _, ok = crossover(rowsWith(1.5, 0.9), 0)
	assert.False(t, ok)
	assert.Equal(t, "does not pay off at any size measured (up to 10ns)", payoff(rowsWith(1.5, 0.9), 0))
}

func TestMedianSpeedupAndSpread(t *testing.T) {
	r := row{seqs: []time.Duration{100, 100, 100, 100}, walls: [][]time.Duration{{50, 100, 40, 25}}}
	assert.Equal(t, []float64{2, 1, 2.5, 4}, r.speedups(0))
	assert.Equal(t, 2.25, r.speedup(0), "the mean of the two middle speedups")
	assert.InDelta(t, 3.0/2.25, r.spread(0), 1e-9, "(4 − 1) / 2.25")
	assert.Equal(t, 3*time.Second, median([]time.Duration{5 * time.Second, time.Second, 3 * time.Second}), "the middle one of three")
}

// TestPayoffWarnsWhenTheRunsNearItDisagree gives the crossover row runs
// that disagree by 50% (speedups 2, 3, 2): the payoff says so; elsewhere it does not matter.
func TestPayoffWarnsWhenTheRunsNearItDisagree(t *testing.T) {
	rows := rowsWith(0.5, 1.5, 2, 2)
	rows[1].walls[0] = []time.Duration{time.Second / 2, time.Second / 3, time.Second / 2}
	assert.Contains(t, payoff(rows, 0), "pays off for tasks above ~")
	assert.Contains(t, payoff(rows, 0), "; but the runs there spread by 50%: too noisy to trust")

	rows = rowsWith(0.5, 1.5, 2, 2)
	rows[3].walls[0] = []time.Duration{time.Second / 2, time.Second / 3, time.Second / 2}
	assert.NotContains(t, payoff(rows, 0), "too noisy", "far from the crossover")
	assert.Equal(t, "1 of 4 cells spread by more than 20% (up to 50%): other programs were using the CPUs.\n"+
		"Those figures are noise; rerun on a quieter machine, or with more -reps and a larger -budget.", steadiness(rows, 1))
	assert.Equal(t, "every cell's spread is at most 20%: the runs agree, the figures hold on this machine.", steadiness(rowsWith(0.5, 2), 1))
}

func TestOverheadSharesWorkerTimePerTask(t *testing.T) {
	r := row{tasks: 10, seqs: []time.Duration{100 * time.Millisecond},
		walls: [][]time.Duration{{60 * time.Millisecond}, {40 * time.Millisecond}}}
	assert.Equal(t, 2*time.Millisecond, r.overhead(0, 2), "(60ms × 2 − 100ms) / 10")
	assert.Equal(t, "+2ms", formatOverhead(r.overhead(0, 2)))
	assert.Equal(t, "~0", formatOverhead(r.overhead(1, 2)), "faster than ideal is noise")
}
