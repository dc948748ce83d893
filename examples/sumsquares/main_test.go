package main

import (
	"bytes"
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

func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, 4, 1000))
	for _, want := range []string{"4 tasks", "sequential", "pool", "procpool", "speedup"} {
		assert.Contains(t, out.String(), want)
	}
}

func TestReportCatchesWrongSums(t *testing.T) {
	var out bytes.Buffer
	err := report(&out, []result{
		{engine: "sequential", sums: []uint64{1, 2}},
		{engine: "pool", sums: []uint64{1, 3}},
	})
	assert.EqualError(t, err, "pool: task 1: got 3, sequential got 2")
}
