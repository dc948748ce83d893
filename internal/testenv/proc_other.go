//go:build !linux

package testenv

import (
	"fmt"
	"os"
	"syscall"
)

// The constructors skip on systems other than Linux; these stand-ins only
// let the package build there.

func daemonAttr() *syscall.SysProcAttr { return nil }

func signalGroup(pid int, sig syscall.Signal) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Signal(sig)
}

func kill(int)                   {}
func alive(int) bool             { return false }
func descendants(int) []int      { return nil }
func pids() []int                { return nil }
func holders(string) []int       { return nil }
func describe(pids []int) string { return fmt.Sprint(pids) }

// Stat is what /proc/PID/stat says of a process, on Linux.
type Stat struct {
	Comm      string
	State     string
	PPID      int
	StartTime string
}

// ProcStat reports false: there is no /proc here.
func ProcStat(int) (Stat, bool) { return Stat{}, false }
