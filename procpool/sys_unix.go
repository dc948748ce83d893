//go:build unix && !linux

package procpool

import (
	"os"
	"syscall"
)

// sysProcAttr puts a worker in its own process group, so a Ctrl-C at the
// terminal does not reach it and its descendants die with it. This system
// has no parent-death signal: a worker whose parent dies exits when it reads
// the end of its stdin.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func killGroup(p *os.Process) error {
	return syscall.Kill(-p.Pid, syscall.SIGKILL)
}

// termGroup asks the process group of a worker's launcher to end.
func termGroup(p *os.Process) error {
	return syscall.Kill(-p.Pid, syscall.SIGTERM)
}

// takeStdio moves the protocol off fds 0 and 1; see the Linux version.
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
	if err := syscall.Dup2(2, 1); err != nil {
		return nil, nil, err
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return nil, nil, err
	}
	defer null.Close()
	if err := syscall.Dup2(int(null.Fd()), 0); err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(inFd), "procpool-requests"), os.NewFile(uintptr(outFd), "procpool-replies"), nil
}

// residentBytes is not measured on this system.
func residentBytes() uint64 { return 0 }
