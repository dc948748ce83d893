package procpool

import (
	"os"
	"syscall"
)

// sysProcAttr starts a worker in its own process group, so a Ctrl-C at the
// console does not reach it. Windows has no parent-death signal: a worker
// whose parent dies exits when it reads the end of its stdin.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// killGroup kills the worker. Processes it started are not killed.
func killGroup(p *os.Process) error {
	return p.Kill()
}

// termGroup ends a worker's launcher; Windows has no gentler way.
func termGroup(p *os.Process) error {
	return p.Kill()
}

// takeStdio keeps the protocol on the standard handles and points
// os.Stdout at stderr, so Go code that prints goes to stderr. Output written
// to the handle directly, as C code does, still corrupts the protocol on
// Windows.
func takeStdio() (in, out *os.File, err error) {
	in, out = os.Stdin, os.Stdout
	os.Stdout = os.Stderr
	null, err := os.Open(os.DevNull)
	if err != nil {
		return nil, nil, err
	}
	os.Stdin = null
	return in, out, nil
}

// residentBytes is not measured on Windows.
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

// killOwnGroup does nothing on Windows, where a worker's descendants are
// not killed with it.
func killOwnGroup() {}

// parentDeathSignal ends a worker on Windows too.
var parentDeathSignal = os.Interrupt

// growPipe does nothing: a Windows pipe's size is set when it is made.
func growPipe(*os.File, int) {}
