package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/poolkit/poolkit/procpool"
)

// fault is how an input brings down the process that runs it.
type fault string

const (
	noFault        fault = ""
	exitFault      fault = "os.Exit(3)"
	goroutineFault fault = "nil deref in a goroutine"
	killFault      fault = "SIGKILL to itself"
)

// input is one piece of work: square N, unless Fault says to crash.
type input struct {
	N     int
	Fault fault
}

// inputs returns n inputs numbered 0 to n-1, ordinary but for three spread
// among them: a nil dereference in a goroutine a quarter of the way in, an
// os.Exit half way, and a SIGKILL three quarters of the way. n must be at
// least 4.
func inputs(n int) []input {
	ins := make([]input, n)
	for i := range ins {
		ins[i].N = i
	}
	ins[n/4].Fault = goroutineFault
	ins[n/2].Fault = exitFault
	ins[3*n/4].Fault = killFault
	return ins
}

// limits is looked up by the goroutine fault under a name it lacks.
var limits = map[string]*struct{ max int }{}

// work is how long an ordinary input takes.
const work = 5 * time.Millisecond

// square returns in.N squared after a few milliseconds of work, or crashes
// the process that runs it as in.Fault says and never returns.
func square(ctx context.Context, in input) (int, error) {
	switch in.Fault {
	case exitFault:
		os.Exit(3)
	case goroutineFault:
		done := make(chan int)
		go func() {
			l := limits["missing"] // nil: the next line panics, unrecovered
			done <- l.max
		}()
		return <-done, nil
	case killFault:
		if err := killSelf(); err != nil {
			return 0, err
		}
		<-ctx.Done() // the signal is on its way
		return 0, ctx.Err()
	}
	select {
	case <-time.After(work):
		return in.N * in.N, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// killSelf sends the process SIGKILL (on Unix; it terminates it
// elsewhere), as the OOM killer would.
func killSelf() error {
	self, err := os.FindProcess(os.Getpid())
	if err == nil {
		err = self.Kill()
	}
	if err != nil {
		return fmt.Errorf("cannot kill myself: %w", err)
	}
	return nil
}

// squareTask is square registered for worker processes.
var squareTask = procpool.Register("crash.square", square)
