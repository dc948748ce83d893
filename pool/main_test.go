package pool_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var errBoom = errors.New("boom")

func square(_ context.Context, x int) (int, error) { return x * x, nil }

// gate is a task that blocks until released or its ctx ends, and tells when
// it has started.
type gate struct {
	started chan int
	release chan struct{}
}

func newGate() *gate {
	return &gate{started: make(chan int, 100), release: make(chan struct{})}
}

func (g *gate) task(ctx context.Context, x int) (int, error) {
	g.started <- x
	select {
	case <-g.release:
		return x, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func ints(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func runtimeCPUs() int { return runtime.GOMAXPROCS(0) }
