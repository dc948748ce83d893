package testenv

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A harness's cleanup stops its daemons and whatever a test left running
// through them: here a remote `sleep` whose client the test never ended.
func TestCleanupLeavesNothingRunning(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T) (launch func(string, ...string) *exec.Cmd, daemons []*daemon, dir string)
	}{
		{"sshd", func(t *testing.T) (func(string, ...string) *exec.Cmd, []*daemon, string) {
			s := SSHD(t)
			return s.Command, []*daemon{s.sshd}, dirOf(s.sshd)
		}},
		{"slurm", func(t *testing.T) (func(string, ...string) *exec.Cmd, []*daemon, string) {
			c := Slurm(t)
			return c.Srun, []*daemon{c.slurmctld, c.slurmd}, dirOf(c.slurmd)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var started []int // the daemons, their descendants and the remote sleep
			var dir string
			t.Run("harness", func(t *testing.T) {
				var client *exec.Cmd
				// Registered first, so it runs after the harness's cleanup
				// has ended the session the client waits on.
				t.Cleanup(func() {
					if client != nil {
						assert.Error(t, waitExit(client, exitTimeout), "the client of a killed session must fail")
					}
				})
				launch, daemons, d := tt.start(t)
				dir = d
				marker := "0." + strconv.Itoa(rand.IntN(1e9)) // makes the sleep's command line unique
				client = launch("sleep", "600", marker)
				require.NoError(t, client.Start())
				var sleeper []int
				require.True(t, waitFor(exitTimeout, func() bool {
					sleeper = pidsRunning("sleep 600 " + marker)
					return len(sleeper) == 1
				}), "the remote sleep never started")
				started = append(started, sleeper...)
				for _, d := range daemons {
					started = append(started, d.pid())
					started = append(started, descendants(d.pid())...)
				}
			})
			if dir == "" {
				t.Skip("the harness did not start")
			}
			assert.Empty(t, living(started), "running after cleanup: %s", describe(living(started)))
			assert.Empty(t, holders(dir), "holding files in %s after cleanup", dir)
		})
	}
}

// dirOf returns the directory a daemon runs in: its harness's directory.
func dirOf(d *daemon) string { return d.cmd.Dir }

// pidsRunning returns the live processes whose command line is cmdline,
// the program named by its path or by its bare name.
func pidsRunning(cmdline string) []int {
	var out []int
	for _, pid := range pids() {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		got := strings.TrimSuffix(strings.ReplaceAll(string(b), "\x00", " "), " ")
		if (got == cmdline || strings.HasSuffix(got, "/"+cmdline)) && alive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// ProcStat names a process as /proc/PID/comm does, even one whose name has
// spaces and parentheses in it: this one, renamed for the test.
func TestProcStatNamesTheProcess(t *testing.T) {
	comm := "/proc/" + strconv.Itoa(os.Getpid()) + "/comm"
	was, err := os.ReadFile(comm)
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	require.NoError(t, os.WriteFile(comm, []byte("a (b) c"), 0))
	defer func() { require.NoError(t, os.WriteFile(comm, bytes.TrimSpace(was), 0)) }()
	st, ok := ProcStat(os.Getpid())
	require.True(t, ok)
	assert.Equal(t, "a (b) c", st.Comm)
	assert.Equal(t, os.Getppid(), st.PPID, "and reads the fields after the name")
}
