package pooltest

import (
	"context"
	"iter"
	"testing"

	"github.com/poolkit/poolkit/pool"
)

var streamScenarios = []scenario{
	{"MapSeq/BreakCancelsWhatRunsAndWaitsForIt", mapSeqBreak},
	{"MapSeq/ContextEndingYieldsItsErrorOnce", mapSeqCtxEnds},
}

// endless yields inputs made by input(i) for i = 0, 1, ... until the
// consumer stops.
func endless(input func(i int) Input) iter.Seq[Input] {
	return func(yield func(Input) bool) {
		for i := 0; ; i++ {
			if !yield(input(i)) {
				return
			}
		}
	}
}

func mapSeqBreak(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 2})
	ins := endless(func(i int) Input {
		if i == 0 {
			return Input{Op: Square}
		}
		return g.Input(Block, i)
	})
	n := 0
	for _, err := range ex.MapSeq(bg(), ins) {
		must(t, err, "MapSeq")
		n++
		g.Wait(1, "started")
		break
	}
	wantEqual(t, n, 1, "outputs yielded before the break")
	// The loop statement ends only once the work in flight has returned.
	want(t, g.Saw(1, "ended canceled"), "input 1 was still running after the loop ended: it reported %q", g.Events(1))
}

func mapSeqCtxEnds(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 2})
	ctx, cancel := context.WithCancel(bg())
	defer cancel()
	go func() {
		g.await(0, "started")
		cancel()
	}()
	var errs []error
	for out, err := range ex.MapSeq(ctx, endless(func(i int) Input { return g.Input(Block, i) })) {
		if err == nil {
			t.Fatalf("MapSeq yielded output %v of an input that was never released", out)
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 {
		t.Fatalf("MapSeq whose context ended yielded %d errors, want 1: %v", len(errs), errs)
	}
	wantIs(t, errs[0], context.Canceled, "MapSeq whose context ended")
	_, isTaskError := errs[0].(*pool.TaskError)
	want(t, !isTaskError, "MapSeq whose context ended yielded a TaskError: %v", errs[0])
}
