package procpool

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/poolkit/poolkit/internal/wire"
)

// server is the worker side of a registered task.
type server interface {
	signature() string
	serve(c *wire.Conn, lim limits)
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

// handshake runs the worker side of the handshake and returns the task to
// serve and the limits to serve it with. Errors are reported to the parent
// in Ready before they are returned.
func handshake(c *wire.Conn) (server, limits, error) {
	host, _ := os.Hostname()
	if err := c.Send(&wire.Hello{PID: os.Getpid(), Host: host, Build: buildID(), Tasks: names()}); err != nil {
		return nil, limits{}, err
	}
	if err := c.Flush(); err != nil {
		return nil, limits{}, err
	}
	var setup wire.Setup
	if err := c.Receive(&setup); err != nil {
		return nil, limits{}, fmt.Errorf("reading the setup: %w", err)
	}
	s, err := prepare(&setup)
	if err != nil {
		_ = c.Send(&wire.Ready{Err: err.Error()})
		_ = c.Flush()
		return nil, limits{}, err
	}
	c.SetLimit(setup.MaxMessage)
	if err := c.Send(&wire.Ready{}); err != nil {
		return nil, limits{}, err
	}
	lim := limits{timeout: time.Duration(setup.Timeout), recycleAfter: setup.RecycleAfter, maxRSS: setup.MaxRSS}
	return s, lim, c.Flush()
}

// prepare finds the task the parent asked for, checks that it is the same
// task, and runs the initializer.
func prepare(setup *wire.Setup) (server, error) {
	e, ok := lookup(setup.Task)
	s, isTask := e.(server)
	if !ok || !isTask {
		return nil, fmt.Errorf("task %q is not registered in the worker (%s), which has %s; the parent is %s: build both from the same code",
			setup.Task, buildID(), strings.Join(names(), ", "), setup.Build)
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
		return nil, fmt.Errorf("initializer %q is not registered in this program", setup.Init)
	}
	if err := runInit(init, setup.InitArg); err != nil {
		return nil, fmt.Errorf("initializer %q failed: %w", setup.Init, err)
	}
	return s, nil
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
