package pool_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/poolkit/poolkit/pool"
)

// Two kinds of work, each a pool of its own types with its own Workers,
// run within one Limit: together they never run more than 3 tasks at
// once, where on their own they would run 8.
func ExampleNewLimit() {
	cpu := pool.NewLimit(3)

	var running, peak atomic.Int32
	track := func() func() {
		now := running.Add(1)
		for old := peak.Load(); now > old && !peak.CompareAndSwap(old, now); old = peak.Load() {
		}
		return func() { running.Add(-1) }
	}
	resize := pool.New(func(ctx context.Context, px int) (int, error) {
		defer track()()
		return px / 2, nil
	}, pool.Workers(4), pool.Within(cpu))
	defer resize.Close()
	render := pool.New(func(ctx context.Context, page string) (string, error) {
		defer track()()
		return strings.ToUpper(page), nil
	}, pool.Workers(4), pool.Within(cpu))
	defer render.Close()

	ctx := context.Background()
	thumbs, err := resize.Map(ctx, []int{640, 800, 1024, 2048})
	fmt.Println(thumbs, err)
	pages, err := render.Map(ctx, []string{"intro", "usage"})
	fmt.Println(pages, err)
	fmt.Println("at most 3 at once:", peak.Load() <= 3)
	// Output:
	// [320 400 512 1024] <nil>
	// [INTRO USAGE] <nil>
	// at most 3 at once: true
}

// Cost makes an input take as many slots as it needs: here a Limit of
// 1024 stands for megabytes of memory, and each job takes what it will
// allocate. A job that could never fit fails at once instead of waiting.
func ExampleCost() {
	type job struct {
		name string
		mb   int64
	}
	memory := pool.NewLimit(1024)
	p := pool.New(func(ctx context.Context, j job) (string, error) {
		return j.name + " done", nil
	}, pool.Within(memory), pool.Cost(func(j job) int64 { return j.mb }))
	defer p.Close()

	ctx := context.Background()
	for _, j := range []job{{"small", 64}, {"large", 900}, {"huge", 4096}} {
		out, err := p.Submit(ctx, j).Result(ctx)
		if errors.Is(err, pool.ErrOverLimit) {
			fmt.Println(j.name, "failed:", err)
			continue
		}
		fmt.Println(out, err)
	}
	// Output:
	// small done <nil>
	// large done <nil>
	// huge failed: pool: input costs more than the shared limit holds: it costs 4096 of 1024
}
