package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SlurmCluster is a one-node Slurm cluster on this machine started by
// [Slurm] for one test. Its fields are read-only; its methods are safe for
// concurrent use.
type SlurmCluster struct {
	Node     string // the only node: this host's short name, as slurmd -C reports it
	ConfFile string // the cluster's slurm.conf

	bin       map[string]string // paths of the Slurm programs
	spool     string            // slurmd's spool directory
	slurmctld *daemon
	slurmd    *daemon
}

// Slurm starts munged, slurmctld and slurmd for the duration of the test
// and returns once the node is idle. All run as the current user (root),
// on free loopback ports and their own munge socket, with their state and
// logs in a temporary directory. At cleanup the cluster cancels every job,
// waits for their steps to end, and stops its daemons. Slurm skips the test
// if Slurm or munge is not installed (fails it if CI=true) and fails it if
// the cluster does not come up.
func Slurm(t testing.TB) *SlurmCluster {
	t.Helper()
	bin := requireBinaries(t, "munged", "slurmctld", "slurmd", "srun", "sinfo", "squeue", "scancel")
	dir := newDir(t)
	nodeLine := run(t, exec.Command(bin["slurmd"], "-C"))
	nodeLine, _, _ = strings.Cut(nodeLine, "\n") // the second line is the uptime
	if !strings.HasPrefix(nodeLine, "NodeName=") {
		t.Fatalf("testenv: slurmd -C did not describe the node: %q", nodeLine)
	}
	node, _, _ := strings.Cut(strings.TrimPrefix(nodeLine, "NodeName="), " ")
	c := &SlurmCluster{Node: node, ConfFile: filepath.Join(dir, "slurm.conf"), bin: bin,
		spool: filepath.Join(dir, "spool")}
	for _, sub := range []string{"state", "spool"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatalf("testenv: %v", err)
		}
	}
	ports := freePorts(t, 2)
	conf := slurmConfig{Dir: dir, Node: node, NodeLine: nodeLine,
		MungeSocket: startMunge(t, dir, bin["munged"]), CtldPort: ports[0], SlurmdPort: ports[1]}
	writeFile(t, c.ConfFile, []byte(conf.render(t)), 0o644)
	c.slurmctld = startDaemon(t, dir, "slurmctld", bin["slurmctld"], c.Env(), "-D")
	c.slurmd = startDaemon(t, dir, "slurmd", bin["slurmd"], c.Env(), "-D", "-N", node)
	t.Cleanup(func() { c.drain(t) }) // before the daemons stop
	if !waitFor(readyTimeout, c.idle) {
		t.Fatalf("testenv: node %s not idle after %v (sinfo: %q)\n%s\n%s", node, readyTimeout,
			c.state(), c.slurmctld.failure(), c.slurmd.failure())
	}
	return c
}

// Env returns the environment for a Slurm command on this cluster: the
// caller's, without any SLURM_* variable (so a test that itself runs in a
// Slurm job does not start steps in that job), and with SLURM_CONF set to
// [SlurmCluster.ConfFile]. The slice is new on each call.
func (c *SlurmCluster) Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SLURM_") {
			env = append(env, kv)
		}
	}
	return append(env, "SLURM_CONF="+c.ConfFile)
}

// Client returns a command that runs the Slurm client program name (sinfo,
// scontrol, squeue, ...) against this cluster.
func (c *SlurmCluster) Client(name string, args ...string) *exec.Cmd {
	if path, ok := c.bin[name]; ok {
		name = path
	}
	cmd := exec.Command(name, args...)
	cmd.Env = c.Env()
	return cmd
}

// Srun returns a command that runs name with args as a one-task job step
// on the cluster: srun -N1 -n1 --unbuffered name args... Its stdin,
// stdout and stderr are forwarded, unbuffered; the task inherits the
// caller's environment (less SLURM_*, plus what srun sets) and working
// directory, and its exit status is the task's. Steps share the node's
// CPUs, so any number can run at once.
func (c *SlurmCluster) Srun(name string, args ...string) *exec.Cmd {
	return c.Client("srun", append([]string{"-N1", "-n1", "--unbuffered", name}, args...)...)
}

// state returns what sinfo says of the node, or the error running it.
func (c *SlurmCluster) state() string {
	out, err := c.Client("sinfo", "-h", "-N", "-n", c.Node, "-o", "%T").CombinedOutput()
	if err != nil {
		return err.Error() + ": " + string(out)
	}
	return strings.TrimSpace(string(out))
}

// idle reports whether the node is idle, or a daemon has exited (so that
// waiting stops early).
func (c *SlurmCluster) idle() bool {
	return c.slurmctld.exited() || c.slurmd.exited() || c.state() == "idle"
}
