package procpool_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/internal/testenv"
	"github.com/poolkit/poolkit/procpool"
)

// getenvTask returns the value of an environment variable in its worker.
var getenvTask = procpool.Register("getenv", func(ctx context.Context, name string) (string, error) {
	return os.Getenv(name), nil
})

// Hosts come from host files, job specs and UIs: a host that reads as an
// ssh option must not reach ssh as one, where a ProxyCommand would run a
// local command.
func TestSSHHostIsNeverAnOption(t *testing.T) {
	s := testenv.SSHD(t)
	hosts := []string{
		"-oProxyCommand=touch %s",
		"-oProxyCommand=touch${IFS}%s", // no space: only the leading dash gives it away
	}
	for i, format := range hosts {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			touched := filepath.Join(t.TempDir(), "touched")
			host := fmt.Sprintf(format, touched)
			p, _ := newPool(t, squareTask, procpool.Launch(1, procpool.SSH(host, os.Args[0], s.Args()...)))
			_, err := p.Submit(bg(), 2).Result(bg())
			require.ErrorIs(t, err, procpool.ErrStart)
			assert.Contains(t, err.Error(), "host "+strconv.Quote(host), "the error names the host it refused")
			assert.NoFileExists(t, touched, "ssh ran the host as a command")
		})
	}
}

// The worker program's path and the environment values go through the
// remote shell: whatever they hold, they arrive as they were given and
// run nothing. The remote shell starts in the home directory, where the
// commands they hold would create a file.
func TestSSHProgramAndEnvironmentAreData(t *testing.T) {
	s := testenv.SSHD(t)
	home, err := os.UserHomeDir()
	require.NoError(t, err)
	name := fmt.Sprintf("poolkit-touched-%d", os.Getpid())
	touched := filepath.Join(home, name)
	t.Cleanup(func() { _ = os.Remove(touched) })
	shelly := fmt.Sprintf("$(touch %[1]s) `touch %[1]s`; touch %[1]s | touch %[1]s 'single' \"double\" \\ * ~ #", name)
	program := filepath.Join(t.TempDir(), "it's a worker; "+shelly)
	copyExecutable(t, os.Args[0], program)

	env := append([]string{"HOSTILE=" + shelly}, remoteEnv...)
	p, _ := newPool(t, getenvTask, procpool.Launch(1, procpool.SSHEnv(s.Host, env, program, s.Args()...)))
	got, err := p.Submit(bg(), "HOSTILE").Result(bg())
	require.NoError(t, err, "the worker at that path starts")
	assert.Equal(t, shelly, got, "the value arrives as it was given")
	assert.NoFileExists(t, touched, "the remote shell ran part of the path or of the value")
}
