package procpool

import "os/exec"

// SSH returns a build function for [Launch] that starts a worker on host
// with the system ssh client: ssh [sshArgs...] -o BatchMode=yes host env
// POOLKIT_WORKER=1 command. command is read by the remote shell: the path
// of the worker program on that host, built from the same code as the
// parent for the remote system, optionally preceded by environment
// settings ("GOMEMLIMIT=4GiB /opt/app/worker"). Authentication must work
// without a prompt, with keys or an agent; pass options such as "-p",
// "2222" or "-i", keyFile in sshArgs. ssh does not forward the parent's
// environment.
//
// Killing the local ssh closes the connection, and the remote worker exits
// as soon as its stdin closes, even in the middle of an input.
func SSH(host, command string, sshArgs ...string) func(i int) *exec.Cmd {
	return func(int) *exec.Cmd {
		args := append([]string(nil), sshArgs...)
		args = append(args, "-o", "BatchMode=yes", host, "env", envWorker+"=1", command)
		return exec.Command("ssh", args...)
	}
}
