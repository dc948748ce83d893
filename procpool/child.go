package procpool

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
)

// This file and child_*.go are the worker side: what Main runs in a
// process the pool started.

// server is the worker side of a registered task.
type server interface {
	signature() string
	// serve serves the task until the parent unbinds it, if the worker is
	// one of a set, or else until the process exits.
	serve(c *wire.Conn, setup *wire.Setup, ex *exiter, life *workerLife)
}

// workerLife is what a worker keeps across the tasks it serves: its limits
// count every input it runs.
type workerLife struct {
	ran      uint64 // inputs run
	retiring bool   // a limit was reached: run nothing more
	lastRSS  time.Time
}

// initRunner is the worker side of a registered initializer.
type initRunner interface {
	run(ctx context.Context, arg []byte) error
}

func (i *Initializer[A]) run(ctx context.Context, arg []byte) error {
	var a A
	if err := gob.NewDecoder(bytes.NewReader(arg)).Decode(&a); err != nil {
		return fmt.Errorf("decoding the argument: %w", err)
	}
	return i.fn(ctx, a)
}

// serveHandshake runs the worker side of the handshake and returns the task to
// serve and the setup to serve it with. Errors are reported to the parent
// in Ready before they are returned.
func serveHandshake(c *wire.Conn) (server, *wire.Setup, error) {
	host, _ := os.Hostname()
	hello := wire.Hello{PID: os.Getpid(), Host: host, Build: buildID(), BuildID: executableID(),
		Tasks: names(), Test: isTestBinary(), RSS: residentBytes(), Arch: runtime.GOARCH}
	if err := c.Send(&hello); err != nil {
		return nil, nil, err
	}
	if err := c.Flush(); err != nil {
		return nil, nil, err
	}
	var setup wire.Setup
	if err := c.Receive(&setup); err != nil {
		return nil, nil, fmt.Errorf("reading the setup: %w", err)
	}
	lanes := mapOfferedLanes(c, setup.Lanes)
	stop := waitingBeats(c, time.Duration(setup.Heartbeat))
	s, err := prepare(&setup)
	stop()
	if err != nil {
		_ = c.Send(&wire.Ready{Err: err.Error()})
		_ = c.Flush()
		return nil, nil, err
	}
	if err := c.Send(&wire.Ready{RSS: residentBytes(), Lanes: lanes}); err != nil {
		return nil, nil, err
	}
	c.SetLimit(setup.MaxMessage)
	c.SetFlat(setup.Flat)
	return s, &setup, c.Flush()
}

// mapOfferedLanes maps, in a worker, the lanes the parent offers, if it
// does, and gives them to c: the worker writes large values to its own
// lane and reads them from the parent's. It reports whether it did. Lanes
// it cannot map cost nothing but speed: values then cross the pipe.
func mapOfferedLanes(c *wire.Conn, ref *wire.Region) bool {
	if ref == nil {
		return false
	}
	parents, workers, err := mapLanes(ref)
	if err != nil {
		return false
	}
	c.SetLanes(workers, parents, releaseLane)
	return true
}

// waitingBeats sends a Ready marked Waiting every d until stop is called,
// so the parent knows a slow initializer is alive. stop returns once no
// beat is being written.
func waitingBeats(c *wire.Conn, d time.Duration) (stop func()) {
	if d <= 0 {
		return func() {}
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				if c.Send(&wire.Ready{Waiting: true}) != nil || c.Flush() != nil {
					return
				}
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}

// prepare applies the setup: the environment and CPU share the pool asks
// for, the task it names, checked to be the same task, and the
// initializer.
func prepare(setup *wire.Setup) (server, error) {
	for _, name := range strings.Split(os.Getenv(envUnset), ",") {
		os.Unsetenv(name)
	}
	os.Unsetenv(envUnset)
	if setup.MaxProcs > 0 && os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(setup.MaxProcs)
	}
	var s server
	if setup.Task != "" { // else a worker of a set, told its tasks by Bind
		var err error
		if s, err = findTask(setup.Task, setup.Signature, setup.Build); err != nil {
			return nil, err
		}
	}
	if setup.Init == "" {
		return s, nil
	}
	e, ok := lookup(setup.Init)
	init, isInit := e.(initRunner)
	if !ok || !isInit {
		return nil, fmt.Errorf("initializer %q is not registered in the worker, which has %s", setup.Init, listNames())
	}
	if err := runInit(init, setup.InitArg); err != nil {
		return nil, fmt.Errorf("initializer %q failed: %w", setup.Init, err)
	}
	return s, nil
}

// findTask returns the registered task name, checked to be the parent's
// (whose signature of it is sig, and whose build is build).
func findTask(name, sig, build string) (server, error) {
	e, ok := lookup(name)
	s, isTask := e.(server)
	if !ok || !isTask {
		return nil, fmt.Errorf("task %q is not registered in the worker (%s), which has %s; the parent is %s: build both from the same code",
			name, buildID(), listNames(), build)
	}
	if got := s.signature(); got != sig {
		return nil, fmt.Errorf("task %q differs between parent and worker: the parent (%s) has %s, the worker (%s) has %s; build both from the same code",
			name, build, sig, buildID(), got)
	}
	return s, nil
}

// serveBinds serves the tasks the parent binds the worker to, one after
// another, until it asks the worker to exit or is gone: a worker of a set.
func serveBinds(c *wire.Conn, setup *wire.Setup, ex *exiter) {
	life := &workerLife{}
	for {
		var b wire.Bind
		err := c.Receive(&b)
		var broken *wire.ReadError
		switch {
		case errors.As(err, &broken):
			ex.orphaned(4)
		case err != nil:
			fmt.Fprintf(os.Stderr, "procpool worker: decoding a bind: %v\n", err)
			ex.orphaned(4)
		case b.Exit:
			ex.asked()
		}
		s, err := findTask(b.Task, b.Signature, setup.Build)
		ready := wire.Ready{RSS: residentBytes()}
		if err != nil {
			ready.Err = err.Error()
		}
		if c.Send(&ready) != nil || c.Flush() != nil {
			ex.orphaned(4)
		}
		if err != nil {
			continue
		}
		bound := *setup
		bound.Task, bound.Signature, bound.Timeout, bound.ReportEach = b.Task, b.Signature, b.Timeout, b.ReportEach
		s.serve(c, &bound, ex, life)
	}
}

// listNames lists the registered names for an error message.
func listNames() string {
	ns := names()
	if len(ns) == 0 {
		return "none"
	}
	return strings.Join(ns, ", ")
}

// runInit runs an initializer, turning a panic into an error.
func runInit(init initRunner, arg []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return init.run(context.Background(), arg)
}

// heartbeatRSSEvery is how often a heartbeat carries a fresh measure of
// the worker's memory.
const heartbeatRSSEvery = time.Second
