package pool_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/poolkit/poolkit/pool"
)

// MapUnordered yields each output as its input finishes, with the input's
// index: a slow input does not hold back the ones after it.
func ExamplePool_MapUnordered() {
	slow := make(chan struct{}) // input 0 waits for it
	p := pool.New(func(ctx context.Context, n int) (int, error) {
		if n == 0 {
			<-slow
		}
		return n * n, nil
	}, pool.Workers(2))
	defer p.Close()

	var order []int
	for r := range p.MapUnordered(context.Background(), slices.Values([]int{0, 1, 2, 3})) {
		order = append(order, r.Index)
		if len(order) == 3 {
			close(slow) // the others are done: let input 0 finish
		}
	}
	fmt.Println("input 0 came last:", order[3] == 0)
	sort.Ints(order)
	fmt.Println("every input once:", order)
	// Output:
	// input 0 came last: true
	// every input once: [0 1 2 3]
}

// MapSeq reads its input on a goroutine of its own, so an input may wait
// for an output before it gives the next: here each output is fed back,
// as a crawler feeds back the links it finds.
func ExamplePool_MapSeq_feedback() {
	p := pool.New(func(ctx context.Context, n int) (int, error) {
		if n%2 == 0 {
			return n / 2, nil
		}
		return 3*n + 1, nil
	})
	defer p.Close()

	next := make(chan int, 1)
	next <- 6
	ins := func(yield func(int) bool) {
		for n := range next {
			if !yield(n) {
				return
			}
		}
	}
	steps := []int{6}
	for n, err := range p.MapSeq(context.Background(), ins) {
		if err != nil {
			fmt.Println(err)
			return
		}
		steps = append(steps, n)
		if n == 1 {
			close(next)
			continue
		}
		next <- n
	}
	fmt.Println(steps)
	// Output: [6 3 10 5 16 8 4 2 1]
}

// CancelQueued drops what has not started, as Python's
// shutdown(cancel_futures=True), and lets what runs finish.
func ExamplePool_CancelQueued() {
	started, release := make(chan struct{}), make(chan struct{})
	p := pool.New(func(ctx context.Context, n int) (int, error) {
		started <- struct{}{}
		<-release
		return n, nil
	}, pool.Workers(1))

	ctx := context.Background()
	running := p.Submit(ctx, 1)
	<-started
	queued := p.Submit(ctx, 2)
	go func() {
		<-queued.Done() // CancelQueued settled it
		close(release)  // and the running input may finish
	}()
	if err := p.CancelQueued(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Println(running.Result(ctx))
	fmt.Println(queued.Result(ctx))
	// Output:
	// 1 <nil>
	// 0 pool: cancelled by Shutdown
}

// Init runs once on each worker goroutine before its first task, with the
// shape of procpool.Init.
func ExampleInit() {
	var ready sync.Map // one entry per worker that initialised
	p := pool.New(func(ctx context.Context, n int) (int, error) {
		return n * n, nil
	}, pool.Workers(3), pool.Init(func(ctx context.Context, name string) error {
		ready.Store(new(int), name)
		return nil
	}, "warm cache"))
	outs, err := p.Map(context.Background(), []int{1, 2, 3})
	fmt.Println(outs, err)
	_ = p.Close()
	n := 0
	ready.Range(func(_, v any) bool { n++; return v == "warm cache" })
	fmt.Println("workers initialised:", n)
	// Output:
	// [1 4 9] <nil>
	// workers initialised: 3
}
