// Package testenv gives tests real launchers to run procpool workers
// through: an OpenSSH server on 127.0.0.1 and a one-node Slurm cluster, both
// started from scratch in the test's temporary directory and torn down when
// the test ends.
//
// # Use
//
//	s := testenv.SSHD(t)
//	cmd := s.Command("env", "VAR=1", "/path/to/worker")
//
//	c := testenv.Slurm(t)
//	cmd := c.Srun("/path/to/worker")
//
// [SSHD] starts sshd on a free loopback port that accepts one generated key
// for the current user; [SSH.Command] runs a command through it. [Slurm]
// starts munged, slurmctld and slurmd on private ports and sockets and waits
// until the node is idle; [SlurmCluster.Srun] runs a command as a one-task
// job step, its stdio forwarded unbuffered, and [SlurmCluster.Client] runs
// sinfo, squeue or scontrol against the cluster. Steps share the CPUs, so a
// pool may start more of them than the machine has.
//
// # Environments
//
// ssh does not carry the caller's environment to the remote command: pass
// variables in the command itself, as `env VAR=1 <binary>`. The remote
// command runs in root's home directory under the login shell, which joins
// and re-parses the arguments, so quote any that hold spaces or shell
// characters. srun does carry the environment: [SlurmCluster.Env] is the
// caller's environment without SLURM_* variables (so a test run inside a
// Slurm job does not step into that job) and with SLURM_CONF naming the
// cluster's configuration.
//
// # Availability
//
// The daemons come from Debian packages that .ci/install-launchers
// installs. When one is missing the constructors skip the test with a
// message saying so, except when CI=true, where a missing launcher fails the
// test: CI must never pass by skipping. They also skip on systems other
// than Linux.
//
// # Cleanup
//
// Every daemon is the test's own child, in its own process group and
// killed by the kernel if the test binary dies. At cleanup the Slurm cluster
// first cancels its jobs and waits for their steps to end; then each daemon
// gets SIGTERM, SIGKILL after a grace period, is reaped, and so is anything
// it had started (sshd's sessions among them). A process still running
// after that, or still holding a file in the test's directory, fails the
// test.
package testenv
