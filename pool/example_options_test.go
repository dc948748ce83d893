package pool_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/poolkit/poolkit/pool"
)

// New takes the task and options. Without options a pool runs one worker
// per CPU with a queue of 16 tasks per worker; an invalid option is a
// programming error, and New panics with a message that names it.
func ExampleNew() {
	double := func(ctx context.Context, n int) (int, error) { return 2 * n, nil }

	p := pool.New(double,
		pool.Workers(4),              // four tasks at a time
		pool.QueueSize(8),            // Submit blocks once eight more are waiting
		pool.Timeout(10*time.Second), // each task's context ends after 10s
	)
	defer p.Close()
	out, err := p.Map(context.Background(), []int{1, 2, 3})
	fmt.Println(out, err)

	defer func() { fmt.Println("panic:", recover()) }()
	pool.New(double, pool.Workers(0))
	// Output:
	// [2 4 6] <nil>
	// panic: pool: Workers(0): need at least 1 worker
}

// Timeout ends each task's context after a time. A task that watches its
// context returns; its future settles with context.DeadlineExceeded.
func ExampleTimeout() {
	wait := func(ctx context.Context, d time.Duration) (string, error) {
		select {
		case <-time.After(d):
			return "finished", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	p := pool.New(wait, pool.Timeout(50*time.Millisecond))
	defer p.Close()

	ctx := context.Background()
	quick, slow := p.Submit(ctx, time.Millisecond), p.Submit(ctx, time.Hour)
	fmt.Println(quick.Result(ctx))
	_, err := slow.Result(ctx)
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output:
	// finished <nil>
	// true
}
