package procpool

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// sysProcAttr puts a worker in its own process group, so a Ctrl-C at the
// terminal does not reach it and its descendants die with it, and asks the
// kernel to signal it if the thread that started it exits (the pool starts
// workers from one locked thread that lives as long as the pool): the
// worker then kills its process group, itself and what its tasks started.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: parentDeathSignal}
}

// dup2 makes newfd a copy of oldfd (Linux has dup3 on every architecture).
func dup2(oldfd, newfd int) error {
	return syscall.Dup3(oldfd, newfd, 0)
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

// selfExecutable names the running executable's image, whatever became of
// its file on disk.
func selfExecutable() string {
	return "/proc/self/exe"
}

// setPipeSize is fcntl's F_SETPIPE_SZ, which the syscall package lacks.
const setPipeSize = 1031

// growPipe asks the kernel to let the pipe f is an end of hold size bytes.
// It does nothing if the kernel refuses.
func growPipe(f *os.File, size int) {
	if rc, err := f.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) {
			_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, setPipeSize, uintptr(size))
		})
	}
}
