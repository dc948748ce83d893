package pooltest

import (
	"context"
	"slices"
	"testing"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

var unorderedScenarios = []scenario{
	{"MapUnordered/YieldsEachInputOnceAsItFinishes", unorderedOrder},
	{"MapUnordered/FailuresAreTaskErrorsAndBreakStops", unorderedFailures},
	{"CancelQueued/SettlesWhatHasNotStartedAndLetsRunningFinish", cancelQueued},
	{"CancelQueued/DuringMapReturnsErrShutdownCancel", cancelQueuedMap},
	{"Futures/RunningOnceStarted", running},
}

// unorderedOrder holds the first input until every other output came:
// completion order lets them pass it.
func unorderedOrder(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 2})
	ins := append([]Input{g.Input(Block, 0)}, squares(50)[1:]...)
	seen := map[int]bool{}
	for r := range ex.MapUnordered(bg(), slices.Values(ins)) {
		must(t, r.Err, "MapUnordered")
		want(t, !seen[r.Index], "input %d yielded twice", r.Index)
		seen[r.Index] = true
		wantEqual(t, r.Out.N, r.Index*r.Index, "output of input "+itoa(r.Index))
		if len(seen) == len(ins)-1 {
			want(t, !seen[0], "the held input came before the others")
			g.Release(0)
		}
	}
	wantEqual(t, len(seen), len(ins), "inputs yielded")
}

func unorderedFailures(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2})
	ins := squares(100)
	ins[42] = Input{Op: FailTyped, N: 42}
	failed := -1
	for r := range ex.MapUnordered(bg(), slices.Values(ins)) {
		if r.Err != nil {
			te := wantAs[*pool.TaskError](t, r.Err, "a failed input")
			if te != nil {
				wantEqual(t, te.Index, r.Index, "the TaskError's index")
			}
			wantIs(t, r.Err, ErrSentinel, "a failed input's error")
			failed = r.Index
		}
	}
	wantEqual(t, failed, 42, "the input that failed")
	n := 0
	for r := range ex.MapUnordered(bg(), endless(func(i int) Input { return Input{Op: Square, N: i} })) {
		must(t, r.Err, "MapUnordered")
		if n++; n == 100 {
			break
		}
	}
	wantEqual(t, n, 100, "outputs before the break")
}

func cancelQueued(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	running := ex.Submit(bg(), g.Input(Block, 0))
	g.Wait(0, "started")
	queued := []*future.Future[Output]{ex.Submit(bg(), g.Input(Record, 1)), ex.Submit(bg(), g.Input(Record, 2))}
	done := make(chan error, 1)
	go func() { done <- ex.CancelQueued(bg()) }()
	for i, f := range queued {
		_, err := result(t, f)
		wantIs(t, err, pool.ErrShutdownCancel, "queued input "+itoa(i+1))
	}
	want(t, !running.Settled(), "CancelQueued settled the running input")
	g.Release(0)
	out, err := result(t, running)
	must(t, err, "the running input")
	wantEqual(t, out.N, 0, "the running input's output")
	must(t, <-done, "CancelQueued")
	for i := 1; i <= 2; i++ {
		want(t, !g.Saw(i, "ran"), "queued input %d ran", i)
	}
	_, err = result(t, ex.Submit(bg(), Input{Op: Square}))
	wantIs(t, err, pool.ErrClosed, "Submit after CancelQueued")
}

func cancelQueuedMap(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	ins := []Input{g.Input(Block, 0)}
	for i := 1; i <= 20; i++ {
		ins = append(ins, g.Input(Record, i))
	}
	mapped := make(chan error, 1)
	go func() {
		_, err := ex.Map(bg(), ins)
		mapped <- err
	}()
	g.Wait(0, "started")
	done := make(chan error, 1)
	go func() { done <- ex.CancelQueued(bg()) }()
	waitClosed(t, ex)
	g.Release(0)
	wantIs(t, <-mapped, pool.ErrShutdownCancel, "a Map whose inputs CancelQueued settled")
	must(t, <-done, "CancelQueued")
	for i := 1; i <= 20; i++ {
		want(t, !g.Saw(i, "ran"), "input %d of the Map ran after CancelQueued", i)
	}
}

func running(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	f := ex.Submit(bg(), g.Input(Block, 0))
	g.Wait(0, "started")
	want(t, f.Running(), "a started input's future is not Running")
	queued := ex.Submit(bg(), g.Input(Block, 1))
	want(t, !queued.Running() || !isWorkerIdle(t, g, 1), "a queued input's future is Running")
	cancelled := ex.Submit(context.Background(), g.Input(Record, 2))
	cancelled.Cancel()
	g.Release(0)
	g.Release(1)
	_, err := result(t, f)
	must(t, err, "the input")
	want(t, !f.Running() && f.Started(), "a finished future: Running %v, Started %v", f.Running(), f.Started())
	_, err = result(t, cancelled)
	wantIs(t, err, context.Canceled, "a cancelled input")
	want(t, !cancelled.Started(), "an input cancelled while queued Started")
}

// isWorkerIdle reports whether input n has not started.
func isWorkerIdle(t *testing.T, g *Gate, n int) bool {
	return !g.Saw(n, "started")
}
