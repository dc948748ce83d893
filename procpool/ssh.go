package procpool

import "os/exec"

// SSH returns a build function for [Launch] that starts the worker program
// binary on host with the system ssh client: ssh [sshArgs...] -o
// BatchMode=yes host env POOLKIT_WORKER=1 binary. binary is a path on the
// remote host (the remote shell reads it as is), built from the same code
// as the parent, for the remote system. Authentication must work without a
// prompt, with keys or an agent; pass options such as "-p", "2222" or "-i",
// keyFile in sshArgs.
//
// Killing the local ssh closes the connection, and the remote worker exits
// when its stdin closes.
func SSH(host, binary string, sshArgs ...string) func(i int) *exec.Cmd {
	return func(int) *exec.Cmd {
		args := append([]string(nil), sshArgs...)
		args = append(args, "-o", "BatchMode=yes", host, "env", envWorker+"=1", binary)
		return exec.Command("ssh", args...)
	}
}
