package procpool_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

// sleeperTask starts an ordinary child that knows nothing of the pool, a
// long sleep, and returns its pid without waiting for it.
var sleeperTask = procpool.Register("start-sleep", func(ctx context.Context, _ int) (int, error) {
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	return cmd.Process.Pid, nil
})

// TestHelperDescendants is not a test: TestDescendantsDieWithTheParent
// runs this test binary again as a parent whose worker has started a
// sleep. It prints the worker's pid and the sleep's, and waits to be
// killed.
func TestHelperDescendants(t *testing.T) {
	if os.Getenv(helperEnv) != "Descendants" {
		t.Skip("helper process for TestDescendantsDieWithTheParent")
	}
	p := procpool.New(sleeperTask, procpool.Workers(1))
	sleep, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err)
	fmt.Printf("worker %d\n", p.Stats().Procs[0].PID)
	fmt.Printf("sleep %d\n", sleep)
	select {} // until killed
}

// When the program that owns a pool dies, by any signal, what its tasks
// started dies too: not only the workers, but their children, which the
// kernel hands to init.
func TestDescendantsDieWithTheParent(t *testing.T) {
	kills := []struct {
		name string
		kill func(helper int) error
	}{
		{"SIGKILL", func(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }},
		{"SIGTERM", func(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }},
		// A terminal's Ctrl-C goes to its foreground process group.
		{"SIGINT to its group", func(pid int) error { return syscall.Kill(-pid, syscall.SIGINT) }},
	}
	for _, k := range kills {
		t.Run(k.name, func(t *testing.T) {
			// Each round is a new race between the parent's end and its
			// workers' view of it: a few rounds catch a loser more often.
			for round := range 3 {
				gone := killParentWithSleepingChild(t, k.name, k.kill)
				t.Logf("%s, round %d: the task's sleep was gone %v after the parent was signalled", k.name, round+1, gone.Round(time.Millisecond))
			}
		})
	}
}

// killParentWithSleepingChild starts a helper parent whose worker has
// started a sleep, kills the parent with kill, and returns how long the
// sleep took to die after that. It fails the test if the sleep or the
// worker is still alive 10s after the kill.
func killParentWithSleepingChild(t *testing.T, name string, kill func(helper int) error) time.Duration {
	t.Helper()
	h := startHelper(t, "Descendants", func(cmd *exec.Cmd) {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group, as a terminal's foreground job
	})
	worker := h.pid(t, "worker ")
	sleep := h.pid(t, "sleep ")
	killAtCleanup(t, worker)
	killAtCleanup(t, sleep)
	require.True(t, alive(sleep), "the task's sleep runs")
	require.Equal(t, worker, parentOfPid(t, sleep), "the sleep is the worker's child")

	require.NoError(t, kill(h.cmd.Process.Pid))
	signalled := time.Now()
	eventually(t, 10*time.Second, func() bool { return !alive(sleep) },
		"the sleep a task started (pid %d) outlived the death of the program (%s) by 10s", sleep, name)
	gone := time.Since(signalled)
	eventually(t, 10*time.Second, func() bool { return !alive(worker) }, "the worker outlived the program")

	var exit *exec.ExitError
	require.ErrorAs(t, h.wait(t, 10*time.Second), &exit, "the program died of the signal")
	assert.False(t, exit.Exited(), "the program was killed by the signal: %v", exit)
	return gone
}

// parentOfPid returns pid's parent, failing the test if pid is gone.
func parentOfPid(t *testing.T, pid int) int {
	t.Helper()
	ppid, ok := parentOf(pid)
	require.True(t, ok, "process %d is gone", pid)
	return ppid
}
