package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/poolkit/poolkit/procpool"
)

func TestMain(m *testing.M) {
	procpool.Main()
	goleak.VerifyTestMain(m)
}

func TestRunShowsWhereTasksRan(t *testing.T) {
	for _, tc := range []struct {
		engine, built, where string
	}{
		{"pool", "ex := pool.New(factorize, pool.Workers(2))", "all 4 tasks ran in this process"},
		{"procpool", "ex := procpool.New(factorizeTask, procpool.Workers(2))", "none in this process"},
	} {
		t.Run(tc.engine, func(t *testing.T) {
			var out bytes.Buffer
			require.NoError(t, run(&out, tc.engine, 2, inputs(4)))
			assert.Contains(t, out.String(), "swap: engine "+tc.engine)
			assert.Contains(t, out.String(), tc.built)
			assert.Regexp(t, `999985999949 +999983 × 1000003 +[0-9]+`, out.String())
			assert.Contains(t, out.String(), tc.where)
		})
	}
}

func TestEnginesFactorizeAlikeInTheirOwnProcesses(t *testing.T) {
	ins := []uint64{1, 2, 12, 97, 999985999949}
	want := [][]uint64{nil, {2}, {2, 2, 3}, {97}, {999983, 1000003}}
	for _, engine := range []string{"pool", "procpool"} {
		t.Run(engine, func(t *testing.T) {
			ex, _, err := newExecutor(engine, 2)
			require.NoError(t, err)
			defer ex.Close()
			answers, err := ex.Map(t.Context(), ins)
			require.NoError(t, err)
			for i, a := range answers {
				assert.Equal(t, ins[i], a.N)
				assert.Equal(t, want[i], a.Factors, "factors of %d", a.N)
				assert.Equal(t, engine == "pool", a.PID == os.Getpid(), "pid of input %d", i)
			}
		})
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	var out bytes.Buffer
	assert.EqualError(t, run(&out, "threads", 2, inputs(1)), `swap: -engine "threads": want pool or procpool`)
	assert.EqualError(t, run(&out, "pool", 0, inputs(1)), "swap: need at least one worker and one input, got 0 and 1")
	assert.EqualError(t, run(&out, "pool", 1, nil), "swap: need at least one worker and one input, got 1 and 0")
	assert.Empty(t, out.String())
}

func TestWhere(t *testing.T) {
	as := func(pids ...int) []answer {
		a := make([]answer, len(pids))
		for i, p := range pids {
			a[i].PID = p
		}
		return a
	}
	assert.Equal(t, "all 2 tasks ran in this process (pid 1), on goroutines", where(as(1, 1), 1))
	assert.Equal(t, "3 tasks ran in 2 worker processes (pids 7, 9), none in this process", where(as(9, 7, 9), 1))
	assert.Equal(t, "2 tasks ran in processes 1, 7, this process (pid 1) among them", where(as(1, 7), 1))
}
