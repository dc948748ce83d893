// Command version is a program that may be replaced on disk while it runs:
// its task answers with the version it was built as (go build -ldflags
// "-X main.version=v1") and its worker's pid, and its pool replaces the
// worker after every input, so each input starts a worker process anew.
// It submits one input for each line it reads from stdin and prints
// "answer <version> <pid>" or "error <message on one line>" for it.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/poolkit/poolkit/procpool"
)

var version = "unset"

var versionTask = procpool.Register("version", func(ctx context.Context, _ int) (string, error) {
	return fmt.Sprintf("%s %d", version, os.Getpid()), nil
})

func main() {
	procpool.Main()
	ctx := context.Background()
	p := procpool.New(versionTask, procpool.Workers(1), procpool.RecycleAfter(1))
	defer p.Close()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		v, err := p.Submit(ctx, 0).Result(ctx)
		if err != nil {
			fmt.Printf("error %s\n", strings.ReplaceAll(err.Error(), "\n", " | "))
			continue
		}
		fmt.Printf("answer %s\n", v)
	}
}
