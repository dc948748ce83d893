package procpool_test

import (
	"context"
	"fmt"
	"log"

	"github.com/poolkit/poolkit/procpool"
)

// thumbnail is the task: an ordinary function of a context and one input.
func thumbnail(ctx context.Context, size int) (string, error) {
	return fmt.Sprintf("%dx%d", size, size), nil
}

// thumbnailTask registers thumbnail by name in a package-level var, so that
// every process started from this program, the workers included, has it
// before main runs.
var thumbnailTask = procpool.Register("example.thumbnail", thumbnail)

func main() {
	procpool.Main() // first: in a worker process, serve tasks and exit

	p := procpool.New(thumbnailTask, procpool.Workers(2))
	defer p.Close()
	thumbs, err := p.Map(context.Background(), []int{64, 128, 256})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(thumbs)
}

// A program that runs tasks in worker processes registers them in
// package-level vars and calls Main first in main: a worker is the same
// program started again, and Main is where it serves tasks instead of
// running the rest of main.
func Example_main() {
	main()
	// Output: [64x64 128x128 256x256]
}
