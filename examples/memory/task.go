package main

import (
	"context"
	"os"
	"time"

	"github.com/poolkit/poolkit/procpool"
)

// input is one piece of work that leaks Leak bytes and takes about Work.
type input struct {
	Leak int
	Work time.Duration
}

// hoard is the leak: every call appends to it and nothing ever removes
// from it, so a worker process grows with each input it runs.
var hoard [][]byte

// pageSize is the step at which leak touches the memory it keeps, so that
// the memory becomes resident.
const pageSize = 4096

// leak keeps in.Leak more bytes in hoard, works for in.Work, and returns
// the pid of the process that ran it.
func leak(ctx context.Context, in input) (int, error) {
	b := make([]byte, in.Leak)
	for i := 0; i < len(b); i += pageSize {
		b[i] = 1
	}
	hoard = append(hoard, b)
	t := time.NewTimer(in.Work)
	defer t.Stop()
	select {
	case <-t.C:
		return os.Getpid(), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// leakTask is leak registered for worker processes.
var leakTask = procpool.Register("memory.leak", leak)
