// Command arch is a worker to be built for another architecture than the
// tests' (GOARCH=386 beside amd64): it registers "square" as the procpool
// and "bulk-echo" as the procpool tests do, so pools of theirs can run on
// it: numbers must cross in a form that does not depend on how each side
// lays them out in memory, and large values whichever way they take.
package main

import (
	"context"

	"github.com/poolkit/poolkit/procpool"
)

var _ = procpool.Register("square", func(ctx context.Context, x int) (int, error) {
	return x * x, nil
})

var _ = procpool.Register("bulk-echo", func(ctx context.Context, b []byte) ([]byte, error) {
	return b, nil
})

func main() {
	procpool.Main()
}
