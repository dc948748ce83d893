package procpool_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/internal/testenv"
	"github.com/poolkit/poolkit/procpool"
)

// partitionLiveness is the Liveness of a worker behind ssh: a heartbeat
// every quarter of it crosses two more processes and a TCP connection.
const partitionLiveness = time.Second

// A launched worker cut off by the network looks like a stopped one: it
// is found by its silence, and its input fails as after a crash. The test
// cuts the connection of a worker behind the loopback sshd by dropping the
// packets to and from the sshd's port, on 127.0.0.1 only.
func TestPartitionedWorkerIsFound(t *testing.T) {
	iptables := requireIptables(t)
	s := testenv.SSHD(t)
	stderr := &syncBuffer{}
	p := procpool.New(holdTask, procpool.Launch(1, procpool.SSHEnv(s.Host, remoteEnv, os.Args[0], s.Args()...)),
		procpool.Liveness(partitionLiveness), procpool.Stderr(stderr))
	t.Cleanup(func() { // after the connection is mended, before sshd stops
		ctx, cancel := context.WithTimeout(bg(), 10*time.Second)
		defer cancel()
		assert.NoError(t, p.Shutdown(ctx))
		assertNoChildren(t)
	})
	remote, err := p.Submit(bg(), "pid").Result(bg())
	require.NoError(t, err, "the launched worker serves") // and the pool has heard from it since it started
	f := p.Submit(bg(), "hold")
	require.Equal(t, remote, waitForPid(t, stderr), "the input runs on the launched worker")
	killAtCleanup(t, remote)

	cutPort(t, iptables, s.Port)
	cut := time.Now()
	ctx, cancel := context.WithTimeout(bg(), 30*time.Second)
	defer cancel()
	_, err = f.Result(ctx)
	found := time.Since(cut)
	require.ErrorIs(t, err, procpool.ErrWorkerDied, "the input on the cut-off worker fails as after a crash")
	assert.Contains(t, err.Error(), "sent nothing for", "the error says the worker went silent")
	t.Logf("cut-off worker to its input failed: %v (Liveness %v): %s", found.Round(time.Millisecond), partitionLiveness, reason(err))
}

// requireIptables returns the path of a working iptables, or skips the
// test if there is none or it may not change the firewall (not root, no
// network admin rights); with CI=true it fails the test instead.
func requireIptables(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("iptables")
	if err != nil {
		path, err = exec.LookPath("/usr/sbin/iptables")
	}
	var why string
	switch {
	case err != nil:
		why = "iptables is not installed; run .ci/install-launchers"
	case os.Geteuid() != 0:
		why = "changing the firewall needs root"
	default:
		if out, err := exec.Command(path, "-w", "-n", "-L", "INPUT").CombinedOutput(); err != nil {
			why = "iptables does not work here: " + err.Error() + ": " + string(out)
		}
	}
	if why != "" {
		cannotRun(t, "the partition test", why)
	}
	return path
}

// cutPort drops every TCP packet from 127.0.0.1 to 127.0.0.1 on the
// loopback interface to or from port, until the test ends.
func cutPort(t *testing.T, iptables string, port int) {
	t.Helper()
	for _, dir := range []string{"--dport", "--sport"} {
		rule := []string{"INPUT", "-i", "lo", "-s", "127.0.0.1", "-d", "127.0.0.1", "-p", "tcp", dir, strconv.Itoa(port), "-j", "DROP"}
		out, err := exec.Command(iptables, append([]string{"-w", "-I"}, rule...)...).CombinedOutput()
		require.NoError(t, err, "adding the rule %v: %s", rule, out)
		t.Cleanup(func() {
			out, err := exec.Command(iptables, append([]string{"-w", "-D"}, rule...)...).CombinedOutput()
			assert.NoError(t, err, "removing the rule %v: %s", rule, out)
		})
	}
}
