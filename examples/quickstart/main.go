// Command quickstart is the README's quickstart: a slice of work done on
// every core.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/poolkit/poolkit/pool"
)

// countPrimes counts the primes below n: a CPU-bound task.
func countPrimes(ctx context.Context, n int) (int, error) {
	count := 0
	for i := 2; i < n; i++ {
		prime := true
		for d := 2; d*d <= i; d++ {
			if i%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			count++
		}
	}
	return count, nil
}

func main() {
	ctx := context.Background()
	p := pool.New(countPrimes) // one worker per CPU
	defer p.Close()

	counts, err := p.Map(ctx, []int{10, 100, 1_000, 10_000, 100_000})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(counts) // [4 25 168 1229 9592]

	f := p.Submit(ctx, 1_000_000) // one task, a future for its result
	n, err := f.Result(ctx)
	fmt.Println(n, err) // 78498 <nil>
}
