package pool_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/poolkit/poolkit/pool"
)

// Map stops at the first failure and returns a *TaskError that names the
// input; errors.Is and errors.As see through it to the task's own error.
func ExampleTaskError() {
	p := pool.New(func(ctx context.Context, s string) (int, error) {
		return strconv.Atoi(s)
	})
	defer p.Close()

	_, err := p.Map(context.Background(), []string{"1", "2", "three", "4"})
	var te *pool.TaskError
	if errors.As(err, &te) {
		fmt.Println("input", te.Index, "failed")
	}
	fmt.Println(errors.Is(err, strconv.ErrSyntax))
	fmt.Println(err)
	// Output:
	// input 2 failed
	// true
	// pool: input 2: strconv.Atoi: parsing "three": invalid syntax
}

// A panic in a task becomes a *PanicError on that task's future, with the
// panic value and the stack; the pool goes on.
func ExamplePanicError() {
	p := pool.New(func(ctx context.Context, m map[string]int) (int, error) {
		if m == nil {
			panic("no map")
		}
		return len(m), nil
	})
	defer p.Close()

	ctx := context.Background()
	_, err := p.Submit(ctx, nil).Result(ctx)
	var pe *pool.PanicError
	if errors.As(err, &pe) {
		fmt.Printf("panicked with %q; stack recorded: %t\n", pe.Value, len(pe.Stack) > 0)
	}
	n, err := p.Submit(ctx, map[string]int{"a": 1}).Result(ctx)
	fmt.Println(n, err)
	// Output:
	// panicked with "no map"; stack recorded: true
	// 1 <nil>
}
