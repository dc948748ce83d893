package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

// childEnv marks the child process that runs the pool half. Its value
// says what to run: "inputs=N workers=W".
const childEnv = "POOLKIT_CRASH_POOL_CHILD"

// poolChild runs the pool half and exits if this process is the child that
// runPoolChild starts, and otherwise returns at once. Like procpool.Main it
// comes first in main and in TestMain, so the test binary can be the child
// too.
func poolChild() {
	spec, ok := os.LookupEnv(childEnv)
	if !ok {
		return
	}
	var n, workers int
	if _, err := fmt.Sscanf(spec, "inputs=%d workers=%d", &n, &workers); err != nil {
		fmt.Fprintf(os.Stderr, "crash: bad %s=%q: %v\n", childEnv, spec, err)
		os.Exit(1)
	}
	runPool(os.Stdout, inputs(n), workers)
	os.Exit(0)
}

// runPool runs ins on goroutines, each input as its own future, and writes
// "result <input> <output>" for each as it settles. A fault takes the whole
// process down, so it returns only if no fault runs.
func runPool(w io.Writer, ins []input, workers int) {
	ctx := context.Background()
	p := pool.New(square, pool.Workers(workers))
	defer p.Close()
	index := make(map[*future.Future[int]]int, len(ins))
	fs := make([]*future.Future[int], len(ins))
	for i, in := range ins {
		fs[i] = p.Submit(ctx, in)
		index[fs[i]] = i
	}
	for f := range future.AsCompleted(ctx, fs...) {
		v, err := f.Result(ctx)
		fmt.Fprintf(w, "result %d %d %v\n", ins[index[f]].N, v, err)
	}
}

// childEnd is how the pool child ended.
type childEnd struct {
	results int      // results it wrote before it ended
	status  string   // "exit status 2", "signal: killed", ...
	stderr  []string // its last lines of stderr
}

// stderrTail is how many of the child's last stderr lines to keep.
const stderrTail = 8

// runPoolChild runs the pool half on n inputs in a child process, the
// program's own executable marked with childEnv, and reports how it ended.
// It returns an error only if the child could not be run at all.
func runPoolChild(ctx context.Context, n, workers int) (childEnd, error) {
	exe, err := os.Executable()
	if err != nil {
		return childEnd{}, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=inputs=%d workers=%d", childEnv, n, workers))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var exitErr *exec.ExitError
	if err := cmd.Run(); err != nil && !errors.As(err, &exitErr) {
		return childEnd{}, fmt.Errorf("running the pool child: %w", err)
	}
	return childEnd{
		results: strings.Count(stdout.String(), "result "),
		status:  cmd.ProcessState.String(),
		stderr:  lastLines(stderr.String(), stderrTail),
	}, nil
}

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines[max(0, len(lines)-n):]
}
