package future_test

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/poolkit/poolkit/future"
)

func ExampleAsCompleted() {
	ctx := context.Background()
	fast, slow := future.NewPromise[string](), future.NewPromise[string]()
	fast.Settle("fast", nil)

	for f := range future.AsCompleted(ctx, slow.Future(), fast.Future()) {
		v, _ := f.Result(ctx)
		fmt.Println(v)
		if f == fast.Future() {
			slow.Settle("slow", nil) // settles while the loop runs
		}
	}
	// Output:
	// fast
	// slow
}

func ExampleWait() {
	ctx := context.Background()
	a, b := future.NewPromise[int](), future.NewPromise[int]()
	b.Settle(2, nil)

	done, pending, _ := future.Wait(ctx, future.FirstCompleted, a.Future(), b.Future())
	fmt.Println(len(done), "done,", len(pending), "pending")
	// Output: 1 done, 1 pending
}

func ExamplePromise() {
	p := future.NewPromise[int]()
	go p.Settle(6*7, nil) // the producer
	v, err := p.Future().Result(context.Background())
	fmt.Println(v, err)
	// Output: 42 <nil>
}

func ExampleSet() {
	// A crawler: each page, once fetched, names the pages it links to.
	ctx := context.Background()
	links := map[string][]string{
		"/":  {"/a", "/b"},
		"/a": {"/a/1", "/b"},
		"/b": {"/"},
	}
	fetch := func(page string) *future.Future[[]string] {
		p := future.NewPromise[[]string]()
		go p.Settle(links[page], nil) // the fetch, done elsewhere
		return p.Future()
	}

	seen := map[string]bool{"/": true}
	pages := future.NewSet(fetch("/"))
	for f := range pages.Completed(ctx) {
		found, _ := f.Result(ctx)
		for _, page := range found {
			if !seen[page] {
				seen[page] = true
				pages.Add(fetch(page)) // the loop goes on until these are done too
			}
		}
	}
	fmt.Println(slices.Sorted(maps.Keys(seen)))
	// Output: [/ /a /a/1 /b]
}

func ExampleFuture_Running() {
	// A producer with two queued tasks; the consumer cancels the second
	// before the producer gets to it.
	tasks := []*future.Promise[string]{future.NewPromise[string](), future.NewPromise[string]()}
	tasks[1].Future().Cancel()

	for i, task := range tasks {
		if !task.Start() {
			fmt.Println("task", i, "was cancelled; not running it")
			continue
		}
		fmt.Println("task", i, "running:", task.Future().Running())
		task.Settle("done", nil)
	}
	for i, task := range tasks {
		fmt.Println("task", i, "started:", task.Future().Started())
	}
	// Output:
	// task 0 running: true
	// task 1 was cancelled; not running it
	// task 0 started: true
	// task 1 started: false
}

func ExampleFuture_OnSettle() {
	p := future.NewPromise[int]()
	p.Future().OnSettle(func(v int, err error) { fmt.Println("settled with", v) })
	stop := p.Future().OnSettle(func(int, error) { fmt.Println("never printed") })

	fmt.Println("stopped:", stop())
	p.Settle(42, nil)
	fmt.Println("stopped again:", stop())
	// Output:
	// stopped: true
	// settled with 42
	// stopped again: false
}
