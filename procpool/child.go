package procpool

import (
	"bytes"
	"context"
	"encoding/gob"
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
	serve(c *wire.Conn, setup *wire.Setup, ex *exiter)
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
	stop := waitingBeats(c, time.Duration(setup.Heartbeat))
	s, err := prepare(&setup)
	stop()
	if err != nil {
		_ = c.Send(&wire.Ready{Err: err.Error()})
		_ = c.Flush()
		return nil, nil, err
	}
	if err := c.Send(&wire.Ready{RSS: residentBytes()}); err != nil {
		return nil, nil, err
	}
	c.SetLimit(setup.MaxMessage)
	c.SetFlat(setup.Flat)
	return s, &setup, c.Flush()
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
	e, ok := lookup(setup.Task)
	s, isTask := e.(server)
	if !ok || !isTask {
		return nil, fmt.Errorf("task %q is not registered in the worker (%s), which has %s; the parent is %s: build both from the same code",
			setup.Task, buildID(), listNames(), setup.Build)
	}
	if got := s.signature(); got != setup.Signature {
		return nil, fmt.Errorf("task %q differs between parent and worker: the parent (%s) has %s, the worker (%s) has %s; build both from the same code",
			setup.Task, setup.Build, setup.Signature, buildID(), got)
	}
	if setup.Init == "" {
		return s, nil
	}
	e, ok = lookup(setup.Init)
	init, isInit := e.(initRunner)
	if !ok || !isInit {
		return nil, fmt.Errorf("initializer %q is not registered in the worker, which has %s", setup.Init, listNames())
	}
	if err := runInit(init, setup.InitArg); err != nil {
		return nil, fmt.Errorf("initializer %q failed: %w", setup.Init, err)
	}
	return s, nil
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
