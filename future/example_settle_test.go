package future_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/poolkit/poolkit/future"
)

// OnSettle runs a function once the future settles: a completion hook, for
// example to count finished tasks for a progress bar without waiting on
// each future.
func ExampleFuture_OnSettle_progress() {
	var done, failed int
	count := func(_ int, err error) {
		done++
		if err != nil {
			failed++
		}
	}
	a, b := future.NewPromise[int](), future.NewPromise[int]()
	a.Future().OnSettle(count)
	b.Future().OnSettle(count)

	a.Settle(1, nil) // the hook runs before Settle returns
	fmt.Println(done, "done")
	b.Settle(0, errors.New("boom"))
	fmt.Println(done, "done,", failed, "failed")
	// Output:
	// 1 done
	// 2 done, 1 failed
}

// All waits for every future and returns the values in order, or the first
// error to settle, with the failed future's position.
func ExampleAll() {
	ctx := context.Background()
	vs, err := future.All(ctx, future.Value(1), future.Value(2), future.Value(3))
	fmt.Println(vs, err)

	_, err = future.All(ctx, future.Value(1), future.Failed[int](errors.New("boom")))
	fmt.Println(err)
	// Output:
	// [1 2 3] <nil>
	// future: All: future 1 of 2: boom
}
