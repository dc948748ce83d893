package procpool_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// greeting is set in each worker process by setGreeting, before its first
// input.
var greeting string

// setGreeting and greetTask are registered for worker processes: an
// initializer, which gets its argument from the pool, and a task that uses
// what it set.
var (
	setGreeting = procpool.RegisterInit("example.set-greeting", func(ctx context.Context, g string) error {
		greeting = g
		return nil
	})
	greetTask = procpool.Register("example.greet", func(ctx context.Context, name string) (string, error) {
		return greeting + ", " + name, nil
	})
)

// Init runs an initializer once in each worker before its first input, to
// load a model or open a file once per process rather than once per input.
func ExampleInit() {
	p := procpool.New(greetTask, procpool.Workers(2), procpool.Init(setGreeting, "hello"))
	defer p.Close()
	out, err := p.Map(context.Background(), []string{"Ada", "Alan"})
	fmt.Println(out, err)
	// Output: [hello, Ada hello, Alan] <nil>
}

// Launch adds workers started by any command that runs the worker program
// with its stdin and stdout forwarded: ssh to another host (see SSH), srun
// in a Slurm allocation, kubectl exec -i into a pod. Here the command is
// nice, which runs the worker on this machine at a lower priority; the
// worker program is this one, as the test binary is here.
func ExampleLaunch() {
	self, err := os.Executable()
	if err != nil {
		fmt.Println(err)
		return
	}
	p := procpool.New(greetTask,
		procpool.Init(setGreeting, "hi"),
		procpool.Launch(2, func(i int) *exec.Cmd {
			return exec.Command("nice", "-n", "5", self)
		}),
	)
	defer p.Close()
	out, err := p.Map(context.Background(), []string{"Grace", "Edsger", "Barbara"})
	fmt.Println(out, err)
	fmt.Println(len(p.Stats().Procs), "launched workers, none local")
	// Output:
	// [hi, Grace hi, Edsger hi, Barbara] <nil>
	// 2 launched workers, none local
}

// Stats counts inputs by outcome, as pool.Stats does, and worker processes
// by how they ended, with a row per worker slot: its current process (pid
// 0 until it has started), its host and the inputs that process has
// finished.
func ExamplePool_Stats() {
	p := procpool.New(exitCodeTask, procpool.Workers(2))
	ctx := context.Background()
	if _, err := p.Map(ctx, make([]int, 10)); err != nil { // ten zeros: no worker exits
		fmt.Println(err)
	}
	s := p.Stats()
	var finished uint64
	for _, w := range s.Procs {
		finished += w.Tasks
	}
	fmt.Println(len(s.Procs), "worker slots; inputs their processes finished:", finished)

	p.Close() // once Close returns, the counters are exact
	s = p.Stats()
	fmt.Printf("%d inputs: %d completed, %d failed; %d workers now, %d died\n",
		s.Submitted, s.Completed, s.Failed, s.Workers, s.Died)
	// Output:
	// 2 worker slots; inputs their processes finished: 10
	// 10 inputs: 10 completed, 0 failed; 0 workers now, 0 died
}

// Shutdown lets the inputs finish; if its context ends first, it kills
// every worker process group at once, even those running inputs that
// ignore their context, and the inputs left fail with
// pool.ErrShutdownCancel. It returns once every process has been reaped.
func ExamplePool_Shutdown() {
	p := procpool.New(stubbornTask, procpool.Workers(1))
	ctx := context.Background()
	stuck := p.Submit(ctx, time.Hour)

	deadline, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	fmt.Println("Shutdown:", p.Shutdown(deadline))
	_, err := stuck.Result(ctx)
	fmt.Println(errors.Is(err, pool.ErrShutdownCancel))
	_, err = p.Submit(ctx, time.Millisecond).Result(ctx)
	fmt.Println(errors.Is(err, pool.ErrClosed))
	// Output:
	// Shutdown: context deadline exceeded
	// true
	// true
}

// where reports the executable and the pid of the process that runs it.
var whereTask = procpool.Register("example.where", func(ctx context.Context, _ int) ([2]string, error) {
	exe, err := os.Executable()
	return [2]string{exe, fmt.Sprint(os.Getpid())}, err
})

// Tests of code that uses procpool get their worker processes from the
// test binary, so the test package calls Main first in TestMain, as this
// package's tests do:
//
//	func TestMain(m *testing.M) {
//		procpool.Main() // in a worker: serve tasks and exit
//		os.Exit(m.Run())
//	}
//
// The tasks the tests use are registered in package-level vars of the test
// package, like any other task.
func Example_testMain() {
	p := procpool.New(whereTask, procpool.Workers(1))
	defer p.Close()
	ctx := context.Background()
	w, err := p.Submit(ctx, 0).Result(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	self, _ := os.Executable()
	fmt.Println("the worker runs this test binary:", w[0] == self)
	fmt.Println("in a process of its own:", w[1] != fmt.Sprint(os.Getpid()))
	// Output:
	// the worker runs this test binary: true
	// in a process of its own: true
}

// wordCountTask is a second kind of work for the example of a Set.
var wordCountTask = procpool.Register("example.word-count", func(ctx context.Context, s string) (int, error) {
	return len(strings.Fields(s)), nil
})

// Pools of different tasks share one set of worker processes: here two
// tasks run on a single process, which the set hands from one pool to the
// other, and the initializer, a setting of the processes, runs once in it.
func ExampleNewSet() {
	workers := procpool.NewSet(procpool.Workers(1), procpool.Init(setGreeting, "hello"))
	defer workers.Close()
	greet := procpool.New(greetTask, procpool.On(workers))
	count := procpool.New(wordCountTask, procpool.On(workers), procpool.Timeout(time.Second))

	ctx := context.Background()
	for _, name := range []string{"ada", "grace"} {
		g, err := greet.Submit(ctx, name).Result(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		n, err := count.Submit(ctx, g).Result(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%q has %d words\n", g, n)
	}
	fmt.Println("processes started:", workers.Stats().Started)
	// Output:
	// "hello, ada" has 2 words
	// "hello, grace" has 2 words
	// processes started: 1
}
