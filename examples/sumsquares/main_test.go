package main

import (
	"bytes"
	"regexp"
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

// TestRunSmall runs three small rounds: a line per round that names each
// step before its time, then the table and a verdict.
func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, config{tasks: 4, n: 1000, rounds: 3}))
	s := out.String()
	assert.Contains(t, s, "sumsquares: 4 tasks, each the sum of the squares of 1000 numbers; ")
	for _, round := range []string{"1", "2", "3"} {
		assert.Regexp(t, `(?m)^round `+round+` of 3: sequential \d+\.\d\ds pool \d+\.\d\ds procpool \d+\.\d\ds$`, s)
	}
	assert.Regexp(t, `(?m)^engine +median +spread +CPUs busy +speedup$`, s)
	for _, engine := range []string{"sequential", "pool", "procpool"} {
		assert.Regexp(t, `(?m)^`+engine+` +\d+\.\d\ds +\d+% +(\d+\.\d\d|n/a) +\d+\.\d\d×$`, s)
	}
	assert.Regexp(t, `(?m)^verdict: (the figures hold|NOT TO BE TRUSTED|STEADY BUT SHARED)\. `, s)
}

func TestRunRejectsTooFewRounds(t *testing.T) {
	var out bytes.Buffer
	assert.ErrorContains(t, run(&out, config{tasks: 4, n: 10, rounds: 2}), "-rounds of at least 3")
	assert.Empty(t, out.String())
}

func TestIdeal(t *testing.T) {
	assert.Equal(t, 2.0, ideal(8, 2))
	assert.Equal(t, 1.5, ideal(3, 2), "three tasks on two CPUs take two task times")
	assert.Equal(t, 1.0, ideal(1, 8))
}

// engineRuns makes the runs of one engine from wall times in ms, each
// round keeping busy the given number of CPUs.
func engineRuns(name string, cpus float64, ms ...int) runs {
	r := runs{engine: name, sums: []uint64{1, 2}}
	for _, m := range ms {
		wall := time.Duration(m) * time.Millisecond
		r.samples = append(r.samples, sample{wall: wall, cpu: time.Duration(cpus * float64(wall))})
	}
	return r
}

func TestMedianAndSpread(t *testing.T) {
	r := engineRuns("pool", 2, 500, 700, 520)
	assert.Equal(t, 520*time.Millisecond, r.median())
	assert.InDelta(t, 200.0/520, r.spread(), 1e-9)
	got, ok := r.cpus()
	assert.True(t, ok)
	assert.InDelta(t, 2.0, got, 1e-9)
	assert.Equal(t, 510*time.Millisecond, engineRuns("pool", 2, 500, 520, 600, 400).median(), "even count: the mean of the middle two")
}

func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		name string
		all  []runs
		want string
	}{
		{"steady and idle", []runs{engineRuns("sequential", 1, 1000, 1010, 990), engineRuns("pool", 2, 500, 505, 510), engineRuns("procpool", 2, 510, 520, 515)},
			"verdict: the figures hold. The rounds agree within 2%, and the engines had the CPUs to themselves."},
		{"rounds disagree", []runs{engineRuns("sequential", 1, 1000, 1010, 990), engineRuns("pool", 2, 500, 800, 510), engineRuns("procpool", 2, 510, 520, 515)},
			"verdict: NOT TO BE TRUSTED. The rounds disagree by up to 59% (pool)"},
		{"rounds disagree and CPUs shared", []runs{engineRuns("sequential", 0.66, 1560, 1770, 1360), engineRuns("pool", 0.99, 1040, 1050, 1000), engineRuns("procpool", 0.97, 1080, 1040, 1060)},
			"verdict: NOT TO BE TRUSTED. The rounds disagree by up to 26% (sequential), more than the 10% of a quiet\n" +
				"machine: other programs were using the CPUs (CPUs busy: sequential 0.66 of 1, pool 0.99 of 2, procpool 0.97 of 2). Close them"},
		{"steady but shared", []runs{engineRuns("sequential", 0.67, 1500, 1510, 1490), engineRuns("pool", 1.33, 1000, 1005, 1010), engineRuns("procpool", 2, 510, 520, 515)},
			"verdict: STEADY BUT SHARED. The rounds agree within 2%, but other programs took part of the CPUs\n(CPUs busy: sequential 0.67 of 1, pool 1.33 of 2). "},
		{"above the CPUs", []runs{engineRuns("sequential", 1, 1000, 1000, 1000), engineRuns("pool", 2, 490, 490, 490), engineRuns("procpool", 2, 510, 510, 510)},
			"verdict: the figures hold. The rounds agree within 0%, and the engines had the CPUs to themselves.\n" +
				"pool's 2.04× is above the 2.00× these CPUs allow: timing noise."},
		{"noisy and above the CPUs", []runs{engineRuns("sequential", 0.48, 2220, 1450, 2740), engineRuns("pool", 0.71, 1000, 980, 2060), engineRuns("procpool", 0.67, 1010, 1650, 1760)},
			"Close them and run again, or give more -rounds.\npool's 2.22× is above the 2.00× these CPUs allow: timing noise."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Contains(t, verdict(tc.all, 2), tc.want)
		})
	}
}

func TestReportCatchesWrongSums(t *testing.T) {
	var out bytes.Buffer
	wrong := engineRuns("pool", 2, 500, 500, 500)
	wrong.sums = []uint64{1, 3}
	err := report(&out, []runs{engineRuns("sequential", 1, 1000, 1000, 1000), wrong}, 3, 2, 2)
	assert.EqualError(t, err, "pool: task 1: got 3, sequential got 2")
}

func TestReportTable(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, report(&out, []runs{engineRuns("sequential", 1, 1000, 1010, 990), engineRuns("pool", 1.98, 500, 505, 510)}, 3, 2, 2))
	lines := strings.Split(out.String(), "\n")
	assert.Regexp(t, regexp.MustCompile(`^sequential +1\.00s +2% +1\.00 +1\.00×$`), lines[1])
	assert.Regexp(t, regexp.MustCompile(`^pool +0\.51s +2% +1\.98 +1\.98×$`), lines[2])
}
