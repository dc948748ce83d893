package procpool

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// spawner starts worker processes from one goroutine locked to its OS
// thread for the life of the pool. On Linux a worker is killed when the
// thread that started it exits (Pdeathsig), so the thread must outlive the
// workers: it ends, locked, only after Shutdown has reaped them all.
type spawner struct {
	reqs chan spawnRequest
	done chan struct{}
}

type spawnRequest struct {
	cmd *exec.Cmd
	err chan error
}

func newSpawner() *spawner {
	s := &spawner{reqs: make(chan spawnRequest), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *spawner) loop() {
	runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
	for r := range s.reqs {
		r.err <- r.cmd.Start()
	}
	close(s.done)
}

// start starts cmd on the spawner's thread.
func (s *spawner) start(cmd *exec.Cmd) error {
	r := spawnRequest{cmd: cmd, err: make(chan error, 1)}
	s.reqs <- r
	return <-r.err
}

// stop ends the spawner once no worker is left.
func (s *spawner) stop() {
	close(s.reqs)
	<-s.done
}

// defaultCommand starts the running executable again as a worker.
func defaultCommand(int) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.Command(exe)
}

// workerEnv returns the environment for a worker: env (or the parent's, if
// env is nil), with the worker marker, and GOMAXPROCS set to a local
// worker's share of the CPUs unless the environment sets it already.
func workerEnv(env []string, local int) []string {
	if env == nil {
		env = os.Environ()
	}
	env = append(env[:len(env):len(env)], envWorker+"=1")
	for _, kv := range env {
		if strings.HasPrefix(kv, "GOMAXPROCS=") {
			return env
		}
	}
	return append(env, fmt.Sprintf("GOMAXPROCS=%d", max(1, runtime.NumCPU()/max(1, local))))
}
