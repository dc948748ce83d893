package procpool

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// sysProcAttr puts a worker in its own process group, so a Ctrl-C at the
// terminal does not reach it and its descendants die with it, and asks the
// kernel to kill it if the thread that started it exits (the pool starts
// workers from one locked thread that lives as long as the pool).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

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
// private, close-on-exec copies of them, fd 1 becomes a copy of fd 2 so
// that anything printed to stdout (fmt.Println, a C printf) goes to stderr,
// and fd 0 reads from /dev/null.
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
	if err := syscall.Dup3(2, 1, 0); err != nil {
		return nil, nil, err
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return nil, nil, err
	}
	defer null.Close()
	if err := syscall.Dup3(int(null.Fd()), 0, 0); err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(inFd), "procpool-requests"), os.NewFile(uintptr(outFd), "procpool-replies"), nil
}

// residentBytes returns this process's resident set size.
func residentBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := bytes.Fields(b)
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(string(fields[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
