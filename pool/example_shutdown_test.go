package pool_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/poolkit/poolkit/pool"
)

// sleep waits d, or until its context ends.
func sleep(ctx context.Context, d time.Duration) (time.Duration, error) {
	select {
	case <-time.After(d):
		return d, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Shutdown lets queued and running tasks finish; if its context ends
// first, it cancels them and returns the context's error. Either way it
// returns once every worker goroutine has exited, and later tasks settle
// with ErrClosed.
func ExamplePool_Shutdown() {
	p := pool.New(sleep, pool.Workers(1))
	ctx := context.Background()
	running := p.Submit(ctx, time.Hour)
	queued := p.Submit(ctx, time.Millisecond) // waits for the only worker

	deadline, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	fmt.Println("Shutdown:", p.Shutdown(deadline))

	_, err := running.Result(ctx)
	fmt.Println("running:", errors.Is(err, pool.ErrShutdownCancel), errors.Is(err, context.Canceled))
	_, err = queued.Result(ctx)
	fmt.Println("queued:", errors.Is(err, pool.ErrShutdownCancel))
	_, err = p.Submit(ctx, time.Millisecond).Result(ctx)
	fmt.Println("after:", err)
	// Output:
	// Shutdown: context deadline exceeded
	// running: true true
	// queued: true
	// after: pool: executor is shut down
}

// Close is Shutdown without a deadline: it waits for every queued and
// running task, so a deferred Close leaves no goroutine behind.
func ExamplePool_Close() {
	p := pool.New(sleep, pool.Workers(1))
	ctx := context.Background()
	a := p.Submit(ctx, 20*time.Millisecond)
	b := p.Submit(ctx, 10*time.Millisecond)

	fmt.Println(p.Close())
	fmt.Println(a.Settled(), b.Settled())
	fmt.Println(b.Result(ctx))
	// Output:
	// <nil>
	// true true
	// 10ms <nil>
}

// Stats counts the tasks by outcome. While the pool is busy the counters
// are read one by one; after Shutdown or Close they are exact.
func ExamplePool_Stats() {
	p := pool.New(func(ctx context.Context, n int) (int, error) {
		if n < 0 {
			return 0, errors.New("negative")
		}
		return n, nil
	}, pool.Workers(2))
	ctx := context.Background()
	for _, n := range []int{1, -1, 2, 3} {
		p.Submit(ctx, n)
	}
	p.Close()

	s := p.Stats()
	fmt.Printf("submitted %d: %d completed, %d failed, %d cancelled; %d running\n",
		s.Submitted, s.Completed, s.Failed, s.Cancelled, s.Running)
	// Output: submitted 4: 3 completed, 1 failed, 0 cancelled; 0 running
}
