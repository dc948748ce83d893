package procpool_test

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/internal/testenv"
	"github.com/poolkit/poolkit/procpool"
)

// The launcher tests run workers through a real sshd and a real one-node
// Slurm cluster on this machine (internal/testenv). Locally they skip when
// the daemons are not installed; in CI they must run.

// remoteEnv is what a remote worker needs beside the marker: race-enabled
// test binaries would otherwise sleep a second at exit.
var remoteEnv = []string{"GORACE=atexit_sleep_ms=0"}

// launchers returns, by name, a build function for each launcher: ssh to
// 127.0.0.1 and srun on the local cluster, both starting bin.
func launchers(t *testing.T, bin string) map[string]func(int) *exec.Cmd {
	s := testenv.SSHD(t)
	c := testenv.Slurm(t)
	return map[string]func(int) *exec.Cmd{
		"ssh": procpool.SSHEnv(s.Host, remoteEnv, bin, s.Args()...),
		"srun": func(int) *exec.Cmd {
			cmd := c.Srun(bin)
			cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
			return cmd
		},
	}
}

func TestLaunchedWorkersBesideLocal(t *testing.T) {
	for name, launch := range launchers(t, os.Args[0]) {
		t.Run(name, func(t *testing.T) {
			p, _ := newPool(t, slowPidTask, procpool.Workers(1), procpool.Launch(2, launch), procpool.Prestart())
			eventually(t, 20*time.Second, func() bool { return p.Stats().Workers == 3 }, "workers did not start")
			pids, err := p.Map(bg(), ints(24))
			require.NoError(t, err)
			ran := map[int]int{}
			for _, pid := range pids {
				ran[pid]++
			}
			s := p.Stats()
			for _, w := range s.Procs {
				assert.NotZero(t, ran[w.PID], "worker %d (pid %d on %q) ran nothing", w.Slot, w.PID, w.Host)
				assert.NotEmpty(t, w.Host, "stats say which host each worker runs on")
			}
			assert.Equal(t, uint64(24), s.Completed)

			outs, err := p.Map(bg(), ints(3))
			require.NoError(t, err)
			assert.Len(t, outs, 3)
		})
	}
}

func TestLaunchedWorkerKilledMidRunIsRetriedElsewhere(t *testing.T) {
	for name, launch := range launchers(t, os.Args[0]) {
		t.Run(name, func(t *testing.T) {
			p, _ := newPool(t, slowPidTask, procpool.Workers(1), procpool.Launch(1, launch),
				procpool.Retries(2), procpool.Prestart())
			eventually(t, 20*time.Second, func() bool { return p.Stats().Workers == 2 }, "workers did not start")
			remote := p.Stats().Procs[1].PID
			fs := make([]*future.Future[int], 20)
			for i := range fs {
				fs[i] = p.Submit(bg(), i)
			}
			eventually(t, 10*time.Second, func() bool { return p.Stats().Procs[1].Tasks > 0 }, "the launched worker never ran")
			require.NoError(t, syscall.Kill(remote, syscall.SIGKILL))
			for i, f := range fs {
				_, err := f.Result(bg())
				require.NoError(t, err, "input %d was not retried on a healthy worker", i)
			}
			assert.GreaterOrEqual(t, p.Stats().Died, uint64(1))
		})
	}
}

func TestNoLaunchedWorkerOutlivesClose(t *testing.T) {
	for name, launch := range launchers(t, os.Args[0]) {
		t.Run(name, func(t *testing.T) {
			p := procpool.New(blockTask, procpool.Launch(2, launch), procpool.Prestart(),
				procpool.KillGrace(50*time.Millisecond), procpool.Stderr(&syncBuffer{}))
			eventually(t, 20*time.Second, func() bool { return p.Stats().Workers == 2 }, "workers did not start")
			var remote []int
			for _, w := range p.Stats().Procs {
				remote = append(remote, w.PID)
			}
			running := p.Submit(bg(), 1) // ignores its ctx: only killing the worker ends it
			eventually(t, 10*time.Second, func() bool { return p.Stats().Running == 1 }, "the input never ran")
			running.Cancel()
			require.NoError(t, p.Close())
			for _, pid := range remote {
				eventually(t, 5*time.Second, func() bool { return !alive(pid) }, "remote worker %d outlived Close", pid)
			}
			assertNoChildren(t)
		})
	}
}

func TestLaunchedWorkerBuiltFromOtherCode(t *testing.T) {
	bin := buildTestProgram(t, "skew")
	for name, launch := range launchers(t, bin) {
		t.Run(name, func(t *testing.T) {
			err := startError(t, squareTask, 1, procpool.Launch(1, launch))
			assert.Contains(t, err.Error(), `task "square" differs between parent and worker`)
			assert.Contains(t, err.Error(), "has int -> int #")
			assert.Contains(t, err.Error(), "has string -> int #")
		})
	}
}
