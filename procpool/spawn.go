package procpool

import (
	"flag"
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

// defaultCommand starts the running program again as a worker: the very
// executable image that is running (on Linux through /proc/self/exe, which
// still names it after the file was replaced or deleted on disk), with no
// arguments but, for a test binary, one that keeps the testing package from
// running any test or example in it, should its TestMain not call Main.
func defaultCommand(int) *exec.Cmd {
	cmd := exec.Command(selfExecutable())
	if exe, err := os.Executable(); err == nil {
		cmd.Args[0] = exe
	}
	if isTestBinary() {
		cmd.Args = append(cmd.Args, "-test.run=^$") // and no -test.bench or -test.fuzz: none is the default
	}
	return cmd
}

// isTestBinary reports whether this program is a test binary built by go
// test: the testing package has registered its flags.
func isTestBinary() bool {
	return flag.Lookup("test.run") != nil
}

// envUnset names the variables the pool added to a worker's environment
// for the runtime's sake, so the worker can take them out again before
// any task runs.
const envUnset = "POOLKIT_UNSET"

// workerEnv returns the environment for a worker: env (or the parent's, if
// env is nil) with the worker marker and, for a race-enabled worker on this
// machine, GORACE with no sleep at exit, so the pool does not wait a second
// for each worker it stops, unless the environment sets it already. The
// worker removes what was added before it serves, so programs its tasks
// start see the environment the user gave.
func workerEnv(env []string, isLocal bool) []string {
	if env == nil {
		env = os.Environ()
	}
	env = append(env[:len(env):len(env)], envWorker+"=1")
	if !isLocal {
		return env
	}
	if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "GORACE=") }) {
		env = append(env, "GORACE=atexit_sleep_ms=0", envUnset+"=GORACE")
	}
	return env
}

// cpuShare is the GOMAXPROCS of each of n local workers: the CPUs this
// process may use, shared out, at least one each.
func cpuShare(n int) int {
	return max(1, runtime.GOMAXPROCS(0)/max(1, n))
}
