package procpool_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/poolkit/poolkit/procpool"
)

// exitWith ends its worker process with the given status, as a crash in C
// code or a call to os.Exit in a library would; 0 returns normally.
func exitWith(_ context.Context, code int) (int, error) {
	if code != 0 {
		os.Exit(code)
	}
	return 0, nil
}

// exitCodeTask is exitWith registered for worker processes.
var exitCodeTask = procpool.Register("example.exit", exitWith)

// A worker process that dies fails only the input it was running, with an
// error that matches ErrWorkerDied: a *WorkerError with the pid, how the
// process ended and its last lines of stderr. A new worker takes its place.
func ExampleWorkerError() {
	p := procpool.New(exitCodeTask, procpool.Workers(1), procpool.Stderr(io.Discard))
	defer p.Close()

	ctx := context.Background()
	_, err := p.Submit(ctx, 3).Result(ctx)
	fmt.Println(errors.Is(err, procpool.ErrWorkerDied))
	var werr *procpool.WorkerError
	if errors.As(err, &werr) {
		fmt.Println(werr.Status, werr.PID > 0)
	}
	fmt.Println(p.Submit(ctx, 0).Result(ctx)) // on a new worker
	fmt.Println("died:", p.Stats().Died)
	// Output:
	// true
	// exit status 3 true
	// 0 <nil>
	// died: 1
}

// flaky crashes its worker the first time it sees a marker file's path,
// and returns the next time: it stands for a task that fails now and then
// for reasons outside the input, such as memory pressure.
func flaky(_ context.Context, marker string) (string, error) {
	if _, err := os.Stat(marker); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			return "", err
		}
		os.Exit(1)
	}
	return "done on a second worker", nil
}

// flakyTask is flaky registered for worker processes.
var flakyTask = procpool.Register("example.flaky", flaky)

// Retries runs an input whose worker died again on another worker, up to
// n times. Use it for idempotent tasks only: the input may have done part
// of its work before the worker died.
func ExampleRetries() {
	dir, err := os.MkdirTemp("", "example-retries-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	p := procpool.New(flakyTask, procpool.Workers(1), procpool.Retries(2), procpool.Stderr(io.Discard))
	defer p.Close()
	ctx := context.Background()
	fmt.Println(p.Submit(ctx, filepath.Join(dir, "marker")).Result(ctx))
	fmt.Println("died:", p.Stats().Died)
	// Output:
	// done on a second worker <nil>
	// died: 1
}

// PoisonAfter stops retrying an input that keeps killing its workers: once
// it has been running on k workers that died, it fails with ErrPoisonTask.
func ExamplePoisonAfter() {
	p := procpool.New(exitCodeTask, procpool.Workers(1),
		procpool.Retries(10), procpool.PoisonAfter(2), procpool.Stderr(io.Discard))
	defer p.Close()

	ctx := context.Background()
	_, err := p.Submit(ctx, 1).Result(ctx)
	fmt.Println(errors.Is(err, procpool.ErrPoisonTask))
	fmt.Println("died:", p.Stats().Died)
	// Output:
	// true
	// died: 2
}
