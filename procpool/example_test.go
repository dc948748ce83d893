package procpool_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// shout is an ordinary task.
func shout(ctx context.Context, s string) (string, error) {
	return strings.ToUpper(s) + "!", nil
}

// shoutTask registers it for worker processes, in a package-level var.
var shoutTask = procpool.Register("shout", shout)

// The one-line switch: the same code runs on goroutines or in processes.
func Example() {
	ctx := context.Background()
	for _, ex := range []pool.Executor[string, string]{
		pool.New(shout),         // goroutines
		procpool.New(shoutTask), // processes: the one line that changes
	} {
		out, err := ex.Map(ctx, []string{"hello", "world"})
		fmt.Println(out, err)
		ex.Close()
	}
	// Output:
	// [HELLO! WORLD!] <nil>
	// [HELLO! WORLD!] <nil>
}

func ExamplePool_Submit() {
	p := procpool.New(shoutTask, procpool.Workers(2))
	defer p.Close()
	ctx := context.Background()
	v, err := p.Submit(ctx, "from a worker process").Result(ctx)
	fmt.Println(v, err)
	// Output: FROM A WORKER PROCESS! <nil>
}
