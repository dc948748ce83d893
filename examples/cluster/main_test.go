package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
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

func TestLocalWorkers(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out, config{local: 2, inputs: 40, size: 1000}))
	assert.True(t, strings.HasPrefix(out.String(), howToLaunch), "without -ssh or -srun it says how to add them first")
	assert.Regexp(t, `cluster: starting 2 workers \.\.\. all ready after \S+\n\ncluster: 40 inputs on 2 workers`, out.String())
	host, err := os.Hostname()
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(host)+` +40$`), out.String(), "every input ran on this host")
}

// fakeSSH stands in for ssh: it writes its arguments to $FAKE_LOG, skips
// the options and the host, and runs the remote command here.
const fakeSSH = `#!/bin/sh
echo "ssh $*" >> "$FAKE_LOG"
while [ $# -gt 0 ]; do
	case "$1" in
	-o|-p|-i|-l) shift 2 ;;
	--) shift; break ;;
	-*) shift ;;
	*) break ;;
	esac
done
shift
exec sh -c "$*"
`

// fakeSrun stands in for srun: it writes its arguments to $FAKE_LOG, skips
// the options and runs the command here.
const fakeSrun = `#!/bin/sh
echo "srun $*" >> "$FAKE_LOG"
while [ $# -gt 0 ]; do
	case "$1" in
	-*) shift ;;
	*) break ;;
	esac
done
exec "$@"
`

// TestLaunchedWorkersBesideLocal puts stand-ins for ssh and srun first in
// PATH, which run their command on this machine, and checks that the flags
// become the launch commands they should and that every worker served.
func TestLaunchedWorkersBesideLocal(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-ins for ssh and srun are shell scripts")
	}
	bin := t.TempDir()
	for name, script := range map[string]string{"ssh": fakeSSH, "srun": fakeSrun} {
		require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755))
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	log := filepath.Join(t.TempDir(), "launches")
	t.Setenv("FAKE_LOG", log)
	self, err := os.Executable()
	require.NoError(t, err)

	var out bytes.Buffer
	c := config{local: 1, sshHosts: []string{"node1", "node2"}, sshCommand: self, sshArgs: []string{"-p", "2222"},
		srun: 1, inputs: 60, size: 1000}
	require.NoError(t, run(&out, c))

	s := out.String()
	assert.NotContains(t, s, "no -ssh or -srun given")
	assert.Regexp(t, `cluster: starting 4 workers \.\.\. all ready after \S+\n\ncluster: 60 inputs on 4 workers`, s)
	assert.Equal(t, 4, len(regexp.MustCompile(`(?m)^\d +\S+ +\d+ +\d+$`).FindAllString(s, -1)), "a row with a pid for each worker:\n%s", s)
	launches, err := os.ReadFile(log)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{
		"ssh -p 2222 -o BatchMode=yes -- node1 env POOLKIT_WORKER=1 '" + self + "'",
		"ssh -p 2222 -o BatchMode=yes -- node2 env POOLKIT_WORKER=1 '" + self + "'",
		"srun -N1 -n1 --unbuffered " + self,
	}, strings.Split(strings.TrimSpace(string(launches)), "\n"))
}

func TestNoWorkers(t *testing.T) {
	assert.EqualError(t, run(&bytes.Buffer{}, config{inputs: 1}), "no workers: give -local, -ssh or -srun")
}
