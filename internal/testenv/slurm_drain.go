package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// drain cancels every job on the cluster and waits until no job is left
// and no step is running on the node: slurmstepd is not a child of slurmd,
// so stopping the daemons would not stop it. A step's socket goes before
// its slurmstepd has exited, so drain waits for the processes too. It
// fails the test if the steps outlive readyTimeout.
func (c *SlurmCluster) drain(t testing.TB) {
	t.Helper()
	if c.slurmctld.exited() || c.slurmd.exited() {
		t.Errorf("testenv: Slurm daemon died during the test:\n%s\n%s", c.slurmctld.failure(), c.slurmd.failure())
		return
	}
	cmd := c.Client("scancel", "--quiet", "--user="+currentUser(t))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("testenv: %s: %v\n%s", cmd, err, out)
	}
	if !waitFor(readyTimeout, func() bool { return c.steps() == 0 && len(c.stepds()) == 0 && c.jobs() == "" }) {
		t.Errorf("testenv: jobs outlived scancel by %v: %d steps, slurmstepd %s, squeue: %q",
			readyTimeout, c.steps(), describe(c.stepds()), c.jobs())
	}
}

// steps counts the job steps running on the node: each slurmstepd holds a
// Unix socket in the spool directory while it lives.
func (c *SlurmCluster) steps() int {
	entries, _ := os.ReadDir(c.spool)
	n := 0
	for _, e := range entries {
		if e.Type()&fs.ModeSocket != 0 {
			n++
		}
	}
	return n
}

// stepds returns the slurmstepd processes that hold a file of the
// cluster's.
func (c *SlurmCluster) stepds() []int {
	var out []int
	for _, pid := range holders(filepath.Dir(c.spool)) {
		if st, _ := ProcStat(pid); st.Comm == "slurmstepd" {
			out = append(out, pid)
		}
	}
	return out
}

// jobs returns squeue's list of the cluster's jobs, empty when there are
// none, or the error running it.
func (c *SlurmCluster) jobs() string {
	out, err := c.Client("squeue", "-h").CombinedOutput()
	if err != nil {
		return err.Error() + ": " + string(out)
	}
	return strings.TrimSpace(string(out))
}
