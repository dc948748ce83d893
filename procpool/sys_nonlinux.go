//go:build unix && !linux

package procpool

import "syscall"

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
