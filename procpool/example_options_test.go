package procpool_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/poolkit/poolkit/procpool"
)

// wait sleeps for d, or until its context ends; cancelled, it says so.
func wait(ctx context.Context, d time.Duration) (string, error) {
	select {
	case <-time.After(d):
		return "slept " + d.String(), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// waitTask is wait registered for worker processes.
var waitTask = procpool.Register("example.wait", wait)

// New takes a registered task and options; without options a pool runs one
// worker process per CPU. An invalid option is a programming error, and New
// panics with a message that names it.
func ExampleNew() {
	p := procpool.New(waitTask,
		procpool.Workers(2),              // two worker processes on this machine
		procpool.Timeout(10*time.Second), // each input's context ends after 10s
		procpool.KillGrace(time.Second),  // then its worker is killed a second later
		procpool.Stderr(io.Discard),      // drop what the workers print to stderr
		procpool.Prestart(),              // start the workers now, not at the first input
	)
	defer p.Close()
	out, err := p.Map(context.Background(), []time.Duration{time.Millisecond, 2 * time.Millisecond})
	fmt.Println(out, err)

	defer func() { fmt.Println("panic:", recover()) }()
	procpool.New(waitTask, procpool.Workers(0))
	// Output:
	// [slept 1ms slept 2ms] <nil>
	// panic: procpool: Workers(0): need at least 1 worker
}

// Timeout cancels each input's context in the worker after a time. An
// input that returns then fails with the context's error, which crosses
// the process boundary: errors.Is matches context.DeadlineExceeded.
func ExampleTimeout() {
	p := procpool.New(waitTask, procpool.Workers(1), procpool.Timeout(50*time.Millisecond))
	defer p.Close()

	ctx := context.Background()
	_, err := p.Submit(ctx, time.Hour).Result(ctx)
	fmt.Println(errors.Is(err, context.DeadlineExceeded), errors.Is(err, procpool.ErrKilled))
	// Output: true false
}

// stubborn ignores its context: it stands for a task stuck in a system
// call or a C library.
func stubborn(_ context.Context, d time.Duration) (string, error) {
	time.Sleep(d)
	return "done", nil
}

// stubbornTask is stubborn registered for worker processes.
var stubbornTask = procpool.Register("example.stubborn", stubborn)

// An input that ignores its cancelled context is killed with its worker
// after the kill grace. Its error matches ErrKilled and the reason it was
// cancelled; a new worker takes the place of the killed one.
func ExampleErrKilled() {
	p := procpool.New(stubbornTask, procpool.Workers(1),
		procpool.Timeout(50*time.Millisecond), procpool.KillGrace(50*time.Millisecond))
	defer p.Close()

	ctx := context.Background()
	_, err := p.Submit(ctx, time.Hour).Result(ctx)
	fmt.Println(errors.Is(err, procpool.ErrKilled), errors.Is(err, context.DeadlineExceeded))
	fmt.Println(p.Submit(ctx, time.Millisecond).Result(ctx))
	fmt.Println("killed:", p.Stats().Killed)
	// Output:
	// true true
	// done <nil>
	// killed: 1
}
