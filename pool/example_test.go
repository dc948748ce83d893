package pool_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/poolkit/poolkit/pool"
)

func ExamplePool_Submit() {
	p := pool.New(func(ctx context.Context, s string) (string, error) {
		return strings.ToUpper(s), nil
	})
	defer p.Close()

	ctx := context.Background()
	f := p.Submit(ctx, "hello")
	v, err := f.Result(ctx)
	fmt.Println(v, err)
	// Output: HELLO <nil>
}

func ExamplePool_Map() {
	p := pool.New(func(ctx context.Context, n int) (int, error) {
		if n < 0 {
			return 0, errors.New("negative input")
		}
		return n * n, nil
	}, pool.Workers(4))
	defer p.Close()

	ctx := context.Background()
	squares, err := p.Map(ctx, []int{1, 2, 3, 4})
	fmt.Println(squares, err)

	_, err = p.Map(ctx, []int{1, -2, 3})
	var te *pool.TaskError
	if errors.As(err, &te) {
		fmt.Println("input", te.Index, "failed:", te.Err)
	}
	// Output:
	// [1 4 9 16] <nil>
	// input 1 failed: negative input
}

func ExamplePool_MapSeq() {
	p := pool.New(func(ctx context.Context, line string) (int, error) {
		return len(strings.Fields(line)), nil
	})
	defer p.Close()

	lines := slices.Values([]string{"a b c", "d e", "f"})
	for words, err := range p.MapSeq(context.Background(), lines) {
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Println(words)
	}
	// Output:
	// 3
	// 2
	// 1
}
