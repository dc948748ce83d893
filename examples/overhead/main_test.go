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
	cfg := config{min: time.Microsecond, max: 30 * time.Microsecond, budget: 2 * time.Millisecond, reps: 1, maxTasks: 100, workers: 2}
	require.NoError(t, run(&out, cfg))

	lines := strings.Split(out.String(), "\n")
	require.Greater(t, len(lines), 12, out.String())
	assert.Contains(t, lines[0], "2 workers per engine")
	assert.Equal(t, "task tasks sequential pool procpool Map procpool Submit", strings.Join(strings.Fields(lines[2]), " "))
	for i, size := range []string{"1µs +100", "3µs +100", "10µs +100", "30µs +66"} {
		assert.Regexp(t, "^"+size+` +[0-9.]+[µmn]?s( +[0-9.]+× (\+[0-9.]+[µmn]?s|~0)){3}$`, lines[3+i])
	}
	for _, name := range []string{"pool ", "procpool Map ", "procpool Submit "} {
		assert.Regexp(t, "(?m)^"+name+" *(pays off|does not pay off)", out.String())
	}
}

func TestConfigCheck(t *testing.T) {
	good := config{min: time.Microsecond, max: time.Millisecond, budget: time.Millisecond, reps: 1, maxTasks: 8, workers: 2}
	require.NoError(t, good.check())
	for name, bad := range map[string]func(c *config){
		"-min":      func(c *config) { c.min = 0 },
		"-max":      func(c *config) { c.max = time.Nanosecond },
		"-budget":   func(c *config) { c.budget = 0 },
		"-reps":     func(c *config) { c.reps = 0 },
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

// rowsWith makes rows of sizes 1, 10, 100... ns whose engine 0 ran with the
// given speedups over a sequential time of one second.
func rowsWith(speedups ...float64) []row {
	rows := make([]row, len(speedups))
	size := time.Duration(1)
	for i, s := range speedups {
		rows[i] = row{size: size, tasks: 10, seq: time.Second, walls: []time.Duration{time.Duration(float64(time.Second) / s)}}
		size *= 10
	}
	return rows
}

func TestCrossover(t *testing.T) {
	at, ok := crossover(rowsWith(0.5, 1.5, 2), 0)
	require.True(t, ok)
	assert.Equal(t, 3*time.Nanosecond, at.Round(time.Nanosecond), "halfway from 0.5× to 1.5× on a log scale: √10")

	at, ok = crossover(rowsWith(1.2, 0.8, 1.5, 1.9), 0)
	require.True(t, ok)
	assert.Greater(t, at, 10*time.Nanosecond, "a dip below 1× moves the crossover past it")
	assert.Less(t, at, 100*time.Nanosecond)

	at, ok = crossover(rowsWith(1.1, 1.9), 0)
	assert.True(t, ok)
	assert.Equal(t, time.Duration(1), at)
	assert.Equal(t, "pays off at every size measured (from 1ns)", payoff(rowsWith(1.1, 1.9), 0))

	_, ok = crossover(rowsWith(1.5, 0.9), 0)
	assert.False(t, ok)
	assert.Equal(t, "does not pay off at any size measured (up to 10ns)", payoff(rowsWith(1.5, 0.9), 0))
}

func TestOverheadSharesWorkerTimePerTask(t *testing.T) {
	r := row{tasks: 10, seq: 100 * time.Millisecond, walls: []time.Duration{60 * time.Millisecond, 40 * time.Millisecond}}
	assert.Equal(t, 2*time.Millisecond, r.overhead(0, 2), "(60ms × 2 − 100ms) / 10")
	assert.Equal(t, "+2ms", formatOverhead(r.overhead(0, 2)))
	assert.Equal(t, "~0", formatOverhead(r.overhead(1, 2)), "faster than ideal is noise")
}
