package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSSHDLineRoundTrip(t *testing.T) {
	s := SSHD(t)
	roundTrips(t, s.Command("cat"), 300)
}

func TestSSHDRemoteEnvironmentIsNotInherited(t *testing.T) {
	s := SSHD(t)

	cmd := s.Command("printenv", "TESTENV_VAR")
	cmd.Env = append(os.Environ(), "TESTENV_VAR=local")
	out, err := cmd.Output()
	assert.Error(t, err, "printenv must find no TESTENV_VAR remotely")
	assert.Empty(t, string(out))

	out, err = s.Command("env", "TESTENV_VAR=passed", "printenv", "TESTENV_VAR").Output()
	require.NoError(t, err)
	assert.Equal(t, "passed\n", string(out))
}

func TestSSHDAcceptsOnlyItsKey(t *testing.T) {
	s := SSHD(t)
	other := filepath.Join(t.TempDir(), "other")
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other).CombinedOutput()
	require.NoError(t, err, "%s", out)

	args := s.Args()
	args[slices.Index(args, "-i")+1] = other
	cmd := exec.Command("ssh", append(args, s.Host, "true")...)
	out, err = cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "%s", out)
	assert.Equal(t, 255, exit.ExitCode(), "ssh's own failure, not the command's")
	assert.True(t, strings.Contains(string(out), "Permission denied"), "%s", out)

	out, err = s.Command("true").CombinedOutput()
	assert.NoError(t, err, "the harness's own key must still work: %s", out)
}

func BenchmarkSSHLineRoundTrip(b *testing.B) {
	benchRoundTrips(b, SSHD(b).Command("cat"))
}
