package future_test

import (
	"context"
	"fmt"

	"github.com/poolkit/poolkit/future"
)

func ExampleAsCompleted() {
	ctx := context.Background()
	fast, slow := future.NewPromise[string](), future.NewPromise[string]()
	fast.Settle("fast", nil)

	for f := range future.AsCompleted(ctx, slow.Future(), fast.Future()) {
		v, _ := f.Result(ctx)
		fmt.Println(v)
		if f == fast.Future() {
			slow.Settle("slow", nil) // settles while the loop runs
		}
	}
	// Output:
	// fast
	// slow
}

func ExampleWait() {
	ctx := context.Background()
	a, b := future.NewPromise[int](), future.NewPromise[int]()
	b.Settle(2, nil)

	done, pending, _ := future.Wait(ctx, future.FirstCompleted, a.Future(), b.Future())
	fmt.Println(len(done), "done,", len(pending), "pending")
	// Output: 1 done, 1 pending
}

func ExamplePromise() {
	p := future.NewPromise[int]()
	go p.Settle(6*7, nil) // the producer
	v, err := p.Future().Result(context.Background())
	fmt.Println(v, err)
	// Output: 42 <nil>
}
