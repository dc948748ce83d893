package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// stopGrace is how long a daemon has after SIGTERM before SIGKILL.
const stopGrace = 10 * time.Second

// daemon is a long-running child of the test process, in its own process
// group, with its stdout and stderr going to a log file in the test's
// directory.
type daemon struct {
	name string
	log  string // path of its stdout and stderr
	cmd  *exec.Cmd
	done chan struct{} // closed once the process is reaped
}

// startDaemon starts path with args in dir and registers its stop as a
// cleanup. A nil env means the test's own environment. It fails the test if
// the process cannot start; it does not wait for the daemon to be ready.
func startDaemon(t testing.TB, dir, name, path string, env []string, args ...string) *daemon {
	t.Helper()
	logPath := filepath.Join(dir, name+".stderr.log")
	out, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("testenv: %s: %v", name, err)
	}
	defer out.Close() // the child has its own copy
	cmd := exec.Command(path, args...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = daemonAttr()
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: starting %s: %v", name, err)
	}
	d := &daemon{name: name, log: logPath, cmd: cmd, done: make(chan struct{})}
	go func() { // joined by stop, through done
		_ = cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() { d.stop(t) })
	return d
}

// pid returns the daemon's process ID.
func (d *daemon) pid() int { return d.cmd.Process.Pid }

// exited reports whether the daemon has exited and been reaped.
func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// failure returns a description of why the daemon is not usable: its exit
// status if it exited, and the tail of its log.
func (d *daemon) failure() string {
	status := "still running"
	if d.exited() {
		status = d.cmd.ProcessState.String()
	}
	return d.name + " (" + status + "), log " + d.log + ":\n" + tail(d.log)
}

// stop ends the daemon and everything it started, and fails the test if
// any of it is still running afterwards. It sends SIGTERM to the daemon's
// process group, SIGKILL after stopGrace, reaps the daemon, then kills the
// descendants that had left the group (as sshd's sessions do). It blocks
// until all of that is done.
func (d *daemon) stop(t testing.TB) {
	t.Helper()
	tree := descendants(d.pid()) // before they are orphaned and lose their parent link
	_ = signalGroup(d.pid(), syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(stopGrace):
		t.Logf("testenv: %s (pid %d) ignored SIGTERM for %v; killing it", d.name, d.pid(), stopGrace)
		_ = signalGroup(d.pid(), syscall.SIGKILL)
		<-d.done
	}
	killAll(t, append(tree, d.pid()))
}

// killAll sends SIGKILL to those of pids still alive and waits until none
// is, failing the test if one outlives the deadline.
func killAll(t testing.TB, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if alive(pid) {
			kill(pid)
		}
	}
	if !waitFor(stopGrace, func() bool { return len(living(pids)) == 0 }) {
		t.Errorf("testenv: still running after SIGKILL: %s", describe(living(pids)))
	}
}

// checkNoStrays fails the test if a process other than the test's own still
// holds a file in dir, and kills it and its descendants. It runs as a cleanup after every daemon
// of dir has stopped.
func checkNoStrays(t testing.TB, dir string) {
	t.Helper()
	if pids := holders(dir); len(pids) > 0 {
		t.Errorf("testenv: running after cleanup, holding files in %s: %s", dir, describe(pids))
		for _, pid := range pids {
			pids = append(pids, descendants(pid)...)
		}
		killAll(t, pids)
	}
}

// living returns those of pids that are alive.
func living(pids []int) []int {
	var out []int
	for _, pid := range pids {
		if alive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// tail returns the last few kilobytes of the file at path.
func tail(path string) string {
	const max = 4 << 10
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
