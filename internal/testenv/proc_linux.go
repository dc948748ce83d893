package testenv

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// daemonAttr puts a daemon in its own process group, so it can be stopped
// with what it started, and has the kernel kill it if the thread that
// started it dies, so a test binary that panics or is killed leaves no
// daemon behind. (Go threads outlive their goroutines unless locked.)
func daemonAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends sig to the process group led by pid.
func signalGroup(pid int, sig syscall.Signal) error {
	return syscall.Kill(-pid, sig)
}

// kill sends SIGKILL to pid.
func kill(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }

// alive reports whether pid names a process that has not exited. A zombie
// is not alive: it has exited and waits only for its parent to reap it.
func alive(pid int) bool {
	st, ok := ProcStat(pid)
	return ok && st.State != "Z"
}

// Stat is what /proc/PID/stat says of a process.
type Stat struct {
	Comm      string // its command name, as the kernel keeps it
	State     string // "R", "S", "Z", ...
	PPID      int    // its parent
	StartTime string // when it started, in clock ticks since boot: with the pid, it names one process for good
}

// ProcStat reads /proc/PID/stat, and reports false if there is no such
// process.
func ProcStat(pid int) (Stat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, false
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	open, end := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
	if open < 0 || end < open {
		return Stat{}, false
	}
	fields := strings.Fields(string(b[end+1:]))
	if len(fields) < 20 {
		return Stat{}, false
	}
	ppid, err := strconv.Atoi(fields[1])
	return Stat{Comm: string(b[open+1 : end]), State: fields[0], PPID: ppid, StartTime: fields[19]}, err == nil
}

// pids returns the IDs of every process on the machine.
func pids() []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// descendants returns the children of pid, their children, and so on.
func descendants(pid int) []int {
	children := map[int][]int{}
	for _, p := range pids() {
		if st, ok := ProcStat(p); ok {
			children[st.PPID] = append(children[st.PPID], p)
		}
	}
	var out []int
	for queue := children[pid]; len(queue) > 0; queue = queue[1:] {
		out = append(out, queue[0])
		queue = append(queue, children[queue[0]]...)
	}
	return out
}

// holders returns the live processes, other than this one, whose working
// directory or an open file is dir or lies under it.
func holders(dir string) []int {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	var out []int
	for _, pid := range pids() {
		if pid != os.Getpid() && alive(pid) && holds(pid, dir) {
			out = append(out, pid)
		}
	}
	return out
}

// holds reports whether pid's working directory or an open file is under dir.
func holds(pid int, dir string) bool {
	proc := "/proc/" + strconv.Itoa(pid)
	links := []string{proc + "/cwd"}
	fds, _ := os.ReadDir(proc + "/fd")
	for _, fd := range fds {
		links = append(links, proc+"/fd/"+fd.Name())
	}
	for _, link := range links {
		target, err := os.Readlink(link)
		if err == nil && (target == dir || strings.HasPrefix(target, dir+"/")) {
			return true
		}
	}
	return false
}

// describe names each of pids with its command line, for error messages.
func describe(pids []int) string {
	var parts []string
	for _, pid := range pids {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		cmd := strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
		parts = append(parts, strconv.Itoa(pid)+" "+strconv.Quote(cmd))
	}
	return strings.Join(parts, ", ")
}
