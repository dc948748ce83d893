package procpool_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

const helperEnv = "PROCPOOL_TEST_HELPER"

// TestHelperParent is not a test: the parent-death test runs this test
// binary again with helperEnv set, and here it becomes a parent with busy
// workers that prints their pids and waits to be killed.
func TestHelperParent(t *testing.T) {
	if os.Getenv(helperEnv) != "parent" {
		t.Skip("helper process for TestWorkersDieWithParent")
	}
	p := procpool.New(pidTask, procpool.Workers(2), procpool.Prestart())
	eventually(t, 10*time.Second, func() bool { return p.Stats().Workers == 2 }, "workers did not start")
	for _, s := range p.Stats().Procs {
		fmt.Printf("worker %d\n", s.PID)
	}
	fmt.Println("ready")
	select {} // until killed
}

func TestWorkersDieWithParent(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperParent$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=parent")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	var workers []int
	lines := bufio.NewScanner(out)
	for lines.Scan() && lines.Text() != "ready" {
		if pid, ok := strings.CutPrefix(lines.Text(), "worker "); ok {
			n, err := strconv.Atoi(pid)
			require.NoError(t, err)
			workers = append(workers, n)
		}
	}
	require.Len(t, workers, 2, "the helper did not report its workers")
	for _, pid := range workers {
		require.True(t, alive(pid))
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	for _, pid := range workers {
		eventually(t, time.Second, func() bool { return !alive(pid) },
			"worker %d outlived its SIGKILLed parent by more than a second", pid)
	}
}

// TestHelperInterrupted is not a test: TestCtrlCReachesOnlyTheParent runs
// this test binary again as a parent that catches SIGINT and decides
// itself what to do with its workers: here it uses them once more.
func TestHelperInterrupted(t *testing.T) {
	if os.Getenv(helperEnv) != "interrupted" {
		t.Skip("helper process for TestCtrlCReachesOnlyTheParent")
	}
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	defer signal.Stop(interrupt)
	p := procpool.New(pidTask, procpool.Workers(2), procpool.Prestart())
	eventually(t, 10*time.Second, func() bool { return p.Stats().Workers == 2 }, "workers did not start")
	fmt.Println("ready")
	<-interrupt
	pid, err := p.Submit(bg(), 0).Result(bg())
	fmt.Printf("after interrupt: worker %d, err %v\n", pid, err)
	require.NoError(t, p.Close())
}

func TestCtrlCReachesOnlyTheParent(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperInterrupted$")
	cmd.Env = append(os.Environ(), helperEnv+"=interrupted")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group, as a terminal's foreground job
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := bufio.NewScanner(out)
	for lines.Scan() && lines.Text() != "ready" {
	}
	// The terminal sends Ctrl-C to the whole foreground process group.
	require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGINT))
	require.True(t, lines.Scan(), "the parent printed nothing after the interrupt")
	assert.Regexp(t, `^after interrupt: worker \d+, err <nil>$`, lines.Text(), "the workers were alive for the parent to use")
}
