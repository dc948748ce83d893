package pooltest

import (
	"context"
	"testing"

	"github.com/poolkit/poolkit/pool"
)

var mapScenarios = []scenario{
	{"Map/FirstFailureReturnsWhateverEarlierInputsDo", mapFirstFailure},
	{"Map/ContextEndingReturnsItsError", mapCtxEnds},
	{"Map/CloseDuringMapLetsItFinish", mapDuringClose},
	{"Map/AfterCloseReturnsErrClosed", mapAfterClose},
}

// mapFirstFailure runs an input that blocks until its context ends beside
// one that fails once both have started: Map must return the failure
// without waiting for the first, cancelling it. The failure waits for the
// first input's start, so that a busy machine cannot make it fail before
// the first input has run at all.
func mapFirstFailure(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 2})
	ins := []Input{g.Input(Block, 0), g.Input(BlockFail, 1)}
	for i := 2; i < 12; i++ {
		ins = append(ins, g.Input(Record, i))
	}
	done := mapAsync(ex, ins)
	g.Wait(0, "started")
	g.Wait(1, "started")
	g.Release(1)
	m := <-done
	want(t, m.outs == nil, "Map returned outputs with an error")
	if te := wantAs[*pool.TaskError](t, m.err, "Map with a failing input"); te != nil {
		wantEqual(t, te.Index, 1, "the failed input's index")
	}
	wantEqual(t, g.Wait(0, "ended"), "ended canceled sentinel", "what the blocked input saw: Map cancelled it with the failure as the cause")
}

func mapCtxEnds(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 2})
	ctx, cancel := context.WithCancel(bg())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := ex.Map(ctx, []Input{g.Input(Block, 0), g.Input(Block, 1)})
		done <- err
	}()
	g.Wait(0, "started")
	cancel()
	err := <-done
	wantIs(t, err, context.Canceled, "Map whose context ended")
	wantNotIs(t, err, ErrSentinel, "Map whose context ended")
	_, isTaskError := err.(*pool.TaskError)
	want(t, !isTaskError, "Map whose context ended returned a TaskError: %v", err)
}

func mapDuringClose(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 2})
	ins := append([]Input{g.Input(Block, 0), g.Input(Block, 1)}, squares(50)...)
	done := mapAsync(ex, ins)
	g.Wait(0, "started")
	closed := make(chan error, 1)
	go func() { closed <- ex.Close() }()
	waitClosed(t, ex)
	g.Release(0)
	g.Release(1)
	m := <-done
	must(t, m.err, "Map during Close")
	if len(m.outs) != len(ins) {
		t.Fatalf("Map during Close returned %d outputs for %d inputs", len(m.outs), len(ins))
	}
	for i, in := range ins[2:] {
		wantEqual(t, m.outs[i+2].N, in.N*in.N, "output "+itoa(i+2))
	}
	must(t, <-closed, "Close")
}

func mapAfterClose(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	must(t, ex.Close(), "Close")
	_, err := ex.Map(bg(), squares(3))
	wantIs(t, err, pool.ErrClosed, "Map after Close")
	outs, err := ex.Map(bg(), nil)
	wantIs(t, err, pool.ErrClosed, "Map of no inputs after Close")
	want(t, outs == nil, "Map of no inputs after Close returned outputs %v with its error", outs)
	ended, cancel := context.WithCancel(bg())
	cancel()
	outs, err = ex.Map(ended, squares(3))
	wantIs(t, err, pool.ErrClosed, "Map with an ended context after Close: ErrClosed comes first")
	want(t, outs == nil, "Map after Close returned outputs %v with its error", outs)
}

// waitClosed waits until ex refuses new inputs, which it does once
// Shutdown or Close has begun. It probes with an input whose context has
// ended, which settles at once without running: with ErrClosed once the
// executor is closed, with context.Canceled before.
func waitClosed(t *testing.T, ex Executor[Input, Output]) {
	t.Helper()
	ended, cancel := context.WithCancel(bg())
	cancel()
	eventually(t, func() bool {
		_, err := result(t, ex.Submit(ended, Input{Op: Square}))
		return err == pool.ErrClosed
	}, "the executor never refused inputs after Close began")
}

// mapped is what a Map run by mapAsync returned.
type mapped struct {
	outs []Output
	err  error
}

// mapAsync runs Map on its own goroutine, so that a scenario can act on
// the inputs while it runs.
func mapAsync(ex Executor[Input, Output], ins []Input) <-chan mapped {
	done := make(chan mapped, 1)
	go func() {
		outs, err := ex.Map(bg(), ins)
		done <- mapped{outs, err}
	}()
	return done
}
