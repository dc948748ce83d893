package main

import (
	"bytes"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/poolkit/poolkit/internal/testenv"
	"github.com/poolkit/poolkit/procpool"
)

func TestMain(m *testing.M) {
	procpool.Main()
	goleak.VerifyTestMain(m)
}

func TestLocalWorkers(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, config{local: 2, inputs: 40, size: 1000}))
	assert.Contains(t, out.String(), "cluster: 40 inputs on 2 workers")
	host, err := os.Hostname()
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(host)+` +40$`), out.String(), "every input ran on this host")
}

func TestSSHWorkersBesideLocal(t *testing.T) {
	s := testenv.SSHD(t)
	var out bytes.Buffer
	c := config{local: 1, sshHosts: []string{s.Host, s.Host}, sshCommand: "GORACE=atexit_sleep_ms=0 " + os.Args[0],
		sshArgs: s.Args(), inputs: 60, size: 1000}
	require.NoError(t, run(&out, c))
	assert.Contains(t, out.String(), "cluster: 60 inputs on 3 workers")
	assert.Regexp(t, `(?m)^\d +\S+ +\d+ +\d+$`, out.String())
}

func TestNoWorkers(t *testing.T) {
	assert.EqualError(t, run(&bytes.Buffer{}, config{inputs: 1}), "no workers: give -local, -ssh or -srun")
}
