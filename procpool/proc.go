package procpool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// proc is one worker process as the operating system sees it: started on
// pipes of its own, signalled as a process group, reaped once. It knows
// nothing of tasks or requests; [worker] owns one.
type proc struct {
	cmd    *exec.Cmd
	pid    int  // the pid of the command the pool started (a launcher's, for launched workers)
	local  bool // on this machine: killed at once; a launcher is asked first
	stdin  *os.File
	stdout *os.File
	stderr *stderrLog

	mu       sync.Mutex // guards the fields below
	reaped   bool       // waited for: the pid may belong to another process now
	hardKill *time.Timer

	waitOnce sync.Once
	exit     exitInfo
	onReap   func() // releases what the process shared with the parent, once reaped; may be nil
}

// exitInfo is how a process ended.
type exitInfo struct {
	code   int       // -1 if killed by a signal, or not known
	signal os.Signal // nil if none
	text   string    // "exit status 2", "signal: killed"
}

// launcherGrace is how long a launcher (ssh, srun) has after SIGTERM to
// pass the end on to its remote worker before it is killed outright.
const launcherGrace = time.Second

// stderrDrain is how long reaping waits for the last of a process's stderr
// once it has exited, before it stops reading.
const stderrDrain = 200 * time.Millisecond

// startProc starts cmd on the spawner's thread, with new pipes for its
// stdin and stdout and its stderr going to log.
func startProc(sp *spawner, cmd *exec.Cmd, local bool, log *stderrLog) (*proc, error) {
	var files [6]*os.File // reqR, reqW, repR, repW, errR, errW
	for i := 0; i < len(files); i += 2 {
		r, w, err := os.Pipe()
		if err != nil {
			closeAll(files[:i])
			return nil, err
		}
		files[i], files[i+1] = r, w
	}
	reqR, reqW, repR, repW, errR, errW := files[0], files[1], files[2], files[3], files[4], files[5]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = reqR, repW, errW
	cmd.SysProcAttr = sysProcAttr()
	err := sp.start(cmd)
	closeAll([]*os.File{reqR, repW, errW}) // the child has its own copies now
	if err != nil {
		closeAll([]*os.File{reqW, repR, errR})
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	p := &proc{cmd: cmd, pid: cmd.Process.Pid, local: local, stdin: reqW, stdout: repR, stderr: log}
	log.read(errR)
	return p, nil
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		if f != nil {
			f.Close()
		}
	}
}

// kill ends the process and everything it started, unless it has been
// reaped already. A local worker's process group is killed at once. A
// launcher is asked first and killed a grace period later: killed outright,
// srun cannot cancel its job step, and the remote worker would run on.
func (p *proc) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.reaped:
	case p.local:
		_ = killGroup(p.cmd.Process)
	case p.hardKill == nil:
		_ = termGroup(p.cmd.Process)
		p.hardKill = time.AfterFunc(launcherGrace, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			if !p.reaped {
				_ = killGroup(p.cmd.Process)
			}
		})
	}
}

// closeInput closes the process's stdin: a worker exits when it reads the
// end of it.
func (p *proc) closeInput() {
	p.stdin.Close()
}

// wait reaps the process, once, and returns how it ended. It kills what
// the process started: descendants must not outlive it. The process's
// stderr is read to its end, or for stderrDrain after it exited if a
// descendant that escaped the group still holds it. Whoever calls it
// reads the process's replies, if anyone does, and has stopped.
func (p *proc) wait() exitInfo {
	p.waitOnce.Do(func() {
		err := p.cmd.Wait()
		p.mu.Lock()
		if p.local {
			_ = killGroup(p.cmd.Process) // the group outlives its leader
		}
		p.reaped = true
		if p.hardKill != nil {
			p.hardKill.Stop()
		}
		p.mu.Unlock()
		p.exit = exitOf(p.cmd, err)
		p.stdin.Close()
		p.stdout.Close()
		p.stderr.finish(stderrDrain)
		if p.onReap != nil {
			p.onReap()
		}
	})
	return p.exit
}

// exitOf describes how a process ended, from what Wait returned.
func exitOf(cmd *exec.Cmd, err error) exitInfo {
	st := cmd.ProcessState
	if st == nil {
		return exitInfo{code: -1, text: err.Error()}
	}
	e := exitInfo{code: st.ExitCode(), text: st.String()}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		e.signal = ws.Signal()
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		e.text += " (" + err.Error() + ")"
	}
	return e
}
