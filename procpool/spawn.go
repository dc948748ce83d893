package procpool

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
)

// spawner starts worker processes from one goroutine locked to its OS
// thread for the life of the pool. On Linux a worker is killed when the
// thread that started it exits (Pdeathsig), and a Go thread exits only
// when a goroutine locked to it ends; holding the thread keeps workers safe
// from that, and the thread is unlocked, not ended, once the workers are
// reaped, so other processes started from it earlier are not killed either.
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
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
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
// env is nil) with the worker marker. A worker on this machine also gets
// GOMAXPROCS set to its share of the CPUs (one of local workers), and
// GORACE with no sleep at exit for race-enabled builds, so the pool does
// not wait a second for each worker it stops, unless the environment sets
// them already.
func workerEnv(env []string, local int, isLocal bool) []string {
	if env == nil {
		env = os.Environ()
	}
	env = append(env[:len(env):len(env)], envWorker+"=1")
	if !isLocal {
		return env
	}
	has := func(name string) bool {
		return slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, name+"=") })
	}
	if !has("GOMAXPROCS") {
		env = append(env, fmt.Sprintf("GOMAXPROCS=%d", max(1, runtime.NumCPU()/max(1, local))))
	}
	if !has("GORACE") {
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	return env
}
