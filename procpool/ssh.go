package procpool

import (
	"fmt"
	"os/exec"
	"strings"
	"unicode"
)

// SSH returns a build function for [Launch] that starts a worker on host
// with the system ssh client:
//
//	ssh [sshArgs...] -o BatchMode=yes -- host env POOLKIT_WORKER=1 'program'
//
// host and program are data, never options or shell syntax: host may not
// start with "-" and ends ssh's options, and program, the path of the
// worker program on that host (built from the same code as the parent, for
// the remote system), is quoted for the remote shell. sshArgs are ssh
// options, such as "-p", "2222" or "-i", keyFile. Authentication must
// work without a prompt, with keys or an agent. ssh does not forward the
// parent's environment; [SSHEnv] sets variables for the worker.
//
// Killing the local ssh closes the connection, and the remote worker exits
// as soon as its stdin closes, even in the middle of an input, killing
// what its tasks started.
//
// A host or program that is not acceptable makes every start fail with
// [ErrStart] and an error that says why.
func SSH(host, program string, sshArgs ...string) func(i int) *exec.Cmd {
	return SSHEnv(host, nil, program, sshArgs...)
}

// SSHEnv is [SSH] with environment variables for the worker, each
// "NAME=value": the name must be a shell variable name, and the value is
// quoted for the remote shell.
func SSHEnv(host string, env []string, program string, sshArgs ...string) func(i int) *exec.Cmd {
	remote, err := remoteCommand(host, env, program)
	return func(int) *exec.Cmd {
		args := append([]string(nil), sshArgs...)
		args = append(args, "-o", "BatchMode=yes", "--", host, remote)
		cmd := exec.Command("ssh", args...)
		if err != nil {
			cmd.Err = err
		}
		return cmd
	}
}

// remoteCommand checks host, env and program and returns the command line
// for the remote shell.
func remoteCommand(host string, env []string, program string) (string, error) {
	switch {
	case host == "" || strings.HasPrefix(host, "-") || strings.IndexFunc(host, notHostRune) >= 0:
		return "", fmt.Errorf("procpool: SSH: host %q is not a host name (no spaces, no control characters, no leading -)", host)
	case program == "" || strings.ContainsRune(program, 0):
		return "", fmt.Errorf("procpool: SSH: program %q is not a path", program)
	}
	words := []string{"env", envWorker + "=1"}
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !isShellName(name) || strings.ContainsRune(value, 0) {
			return "", fmt.Errorf("procpool: SSHEnv: %q is not NAME=value with NAME a variable name", kv)
		}
		words = append(words, shellQuote(name+"="+value))
	}
	words = append(words, shellQuote(program))
	return strings.Join(words, " "), nil
}

func notHostRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r)
}

// isShellName reports whether s is a shell variable name.
func isShellName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// shellQuote quotes s as one word for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
