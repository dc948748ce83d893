// Command skew is a worker built from other code: it registers "square"
// with another input type than the procpool tests do, as an older or newer
// build of the same program would.
package main

import (
	"context"

	"github.com/poolkit/poolkit/procpool"
)

var _ = procpool.Register("square", func(ctx context.Context, s string) (int, error) {
	return len(s) * len(s), nil
})

func main() {
	procpool.Main()
}
