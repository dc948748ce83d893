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

// dup2 makes newfd a copy of oldfd.
func dup2(oldfd, newfd int) error {
	return syscall.Dup2(oldfd, newfd)
}

// residentBytes is not measured on this system.
func residentBytes() uint64 { return 0 }

// selfExecutable names the running executable; if its file was replaced,
// the build check of the handshake refuses the worker.
func selfExecutable() string {
	exe, err := os.Executable()
	if err != nil {
		return os.Args[0]
	}
	return exe
}

// growPipe does nothing: this system's pipes cannot be grown.
func growPipe(*os.File, int) {}
