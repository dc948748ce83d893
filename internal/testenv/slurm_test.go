package testenv

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSlurmLineRoundTrip(t *testing.T) {
	c := Slurm(t)
	roundTrips(t, c.Srun("cat"), 300)
}

func TestSlurmStepInheritsEnvironment(t *testing.T) {
	c := Slurm(t)
	cmd := c.Srun("printenv", "TESTENV_VAR", "SLURM_JOB_ID")
	cmd.Env = append(cmd.Env, "TESTENV_VAR=passed")
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Regexp(t, `^passed\n[0-9]+\n$`, string(out))
}

// More steps than CPUs must run at once: a pool starts one per worker.
func TestSlurmStepsShareCPUs(t *testing.T) {
	c := Slurm(t)
	n := 2 * runtime.NumCPU()
	echoers := make([]*echoer, n)
	for i := range echoers {
		echoers[i] = startEchoer(t, c.Srun("cat"))
	}
	// Every step answers while all of them hold their CPUs.
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, e := range echoers {
		wg.Go(func() { _, errs[i] = e.trip(fmt.Sprint("step ", i)) })
	}
	wg.Wait()
	for i, e := range echoers {
		assert.NoError(t, errs[i], "step %d", i)
		e.close(t)
	}
}

func BenchmarkSrunLineRoundTrip(b *testing.B) {
	benchRoundTrips(b, Slurm(b).Srun("cat"))
}
