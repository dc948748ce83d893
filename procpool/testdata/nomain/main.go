// Command nomain is a program that registers a task and starts a pool but
// forgets to call procpool.Main: its workers would start pools of their own
// without end, and must not.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/poolkit/poolkit/procpool"
)

var double = procpool.Register("double", func(ctx context.Context, x int) (int, error) {
	return 2 * x, nil
})

func main() {
	// procpool.Main() is missing here.
	p := procpool.New(double, procpool.Workers(1))
	defer p.Close()
	v, err := p.Submit(context.Background(), 21).Result(context.Background())
	fmt.Println(v, err)
	if err != nil {
		os.Exit(1)
	}
}
