//go:build unix

package procpool

import (
	"os"
	"syscall"
)

// killGroup kills the process group of a worker: the worker and everything
// it started.
func killGroup(p *os.Process) error {
	return syscall.Kill(-p.Pid, syscall.SIGKILL)
}

// termGroup asks the process group of a worker's launcher to end.
func termGroup(p *os.Process) error {
	return syscall.Kill(-p.Pid, syscall.SIGTERM)
}

// takeStdio moves the protocol off fds 0 and 1: the returned files are
// private, close-on-exec, non-blocking copies of them; fd 1 becomes a copy
// of fd 2 so that anything printed to stdout (fmt.Println, a C printf)
// goes to stderr; and fd 0 reads from /dev/null.
func takeStdio() (in, out *os.File, err error) {
	outFd, err := syscall.Dup(1)
	if err != nil {
		return nil, nil, err
	}
	inFd, err := syscall.Dup(0)
	if err != nil {
		return nil, nil, err
	}
	for _, fd := range []int{inFd, outFd} {
		syscall.CloseOnExec(fd)
		// Non-blocking, so the runtime's poller waits on the pipes
		// instead of a thread blocked in read, which costs wake-ups.
		if err := syscall.SetNonblock(fd, true); err != nil {
			return nil, nil, err
		}
	}
	if err := dup2(2, 1); err != nil {
		return nil, nil, err
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return nil, nil, err
	}
	defer null.Close()
	if err := dup2(int(null.Fd()), 0); err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(inFd), "procpool-requests"), os.NewFile(uintptr(outFd), "procpool-replies"), nil
}

// killOwnGroup kills the worker's process group, itself included, if the
// worker leads it: what its tasks started dies with it.
func killOwnGroup() {
	if pid := os.Getpid(); syscall.Getpgrp() == pid {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// parentDeathSignal is the signal the kernel sends a worker on Linux when
// its parent dies, and what any other sender uses to end a worker with
// everything it started.
const parentDeathSignal = syscall.SIGTERM
