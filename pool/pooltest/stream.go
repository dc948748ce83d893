package pooltest

import (
	"context"
	"iter"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poolkit/poolkit/pool"
)

var streamScenarios = []scenario{
	{"MapSeq/BreakCancelsWhatRunsAndWaitsForIt", mapSeqBreak},
	{"MapSeq/ContextEndingYieldsItsErrorOnce", mapSeqCtxEnds},
	{"MapSeq/AnInputThatWaitsForEachOutputGetsIt", mapSeqRequestResponse},
	{"MapSeq/AFeedbackLoopOf1000Steps", mapSeqFeedback},
	{"MapSeq/AnInputThatBlocksStillGetsTheOutputsOfWhatItGave", mapSeqBlockedInput},
	{"MapSeq/ReadAheadBoundsWhatIsPulledAndBreakStopsThePull", mapSeqReadAhead},
	{"MapSeq/FixedBatchSize", mapSeqBatchSize},
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

// mapSeqRequestResponse reads an input that gives the next input only once
// the output of the last one came back: MapSeq must yield each output
// without waiting for more input, after a run of fast inputs too.
func mapSeqRequestResponse(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2})
	got := make(chan int, 1)
	const fast, slow = 2000, 20
	ins := func(yield func(Input) bool) {
		for i := range fast + slow {
			if !yield(Input{Op: Square, N: i}) {
				return
			}
			if i >= fast {
				<-got // wait for this output before giving the next input
			}
		}
	}
	n := 0
	for out, err := range ex.MapSeq(bg(), ins) {
		must(t, err, "MapSeq")
		wantEqual(t, out.N, n*n, "output "+itoa(n))
		if n >= fast {
			got <- n
		}
		n++
	}
	wantEqual(t, n, fast+slow, "outputs yielded")
}

// mapSeqFeedback feeds each output back as the next input, like a crawler.
func mapSeqFeedback(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2})
	next := make(chan Input, 1)
	next <- Input{Op: Square, N: 1}
	ins := func(yield func(Input) bool) {
		for in := range next {
			if !yield(in) {
				return
			}
		}
	}
	steps := 0
	for out, err := range ex.MapSeq(bg(), ins) {
		must(t, err, "MapSeq")
		wantEqual(t, out.N, 1, "output of step "+itoa(steps))
		if steps++; steps == 1000 {
			close(next)
			continue
		}
		next <- Input{Op: Square, N: out.N}
	}
	wantEqual(t, steps, 1000, "steps")
}

// mapSeqBlockedInput gives ten inputs and then blocks until the test ends:
// their outputs must come all the same.
func mapSeqBlockedInput(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2})
	unblock := make(chan struct{})
	returned := make(chan struct{})
	t.Cleanup(func() {
		close(unblock)
		<-returned // the input returns once it is unblocked
	})
	ins := func(yield func(Input) bool) {
		defer close(returned)
		for i := range 10 {
			if !yield(Input{Op: Square, N: i}) {
				return
			}
		}
		<-unblock
	}
	n := 0
	for out, err := range ex.MapSeq(bg(), ins) {
		must(t, err, "MapSeq")
		wantEqual(t, out.N, n*n, "output "+itoa(n))
		if n++; n == 10 {
			break
		}
	}
	wantEqual(t, n, 10, "outputs of the inputs given before the input blocked")
}

// mapSeqReadAhead counts what MapSeq pulls: never more than ReadAhead
// inputs ahead of what it yielded, and after a break at most the one it
// was pulling.
func mapSeqReadAhead(t *testing.T, e Engine) {
	const readAhead = 16
	ex, _ := open(t, e, Config{Workers: 2, ReadAhead: readAhead})
	var pulled atomic.Int64
	returned := make(chan struct{})
	ins := func(yield func(Input) bool) {
		defer close(returned)
		for i := 0; ; i++ {
			pulled.Add(1)
			if !yield(Input{Op: Square, N: i}) {
				return
			}
		}
	}
	yielded, atBreak := int64(0), int64(0)
	for _, err := range ex.MapSeq(bg(), ins) {
		must(t, err, "MapSeq")
		yielded++
		if p := pulled.Load(); p-yielded > readAhead {
			t.Fatalf("pulled %d inputs with %d yielded: more than ReadAhead(%d) ahead", p, yielded, readAhead)
		}
		if yielded == 5000 {
			atBreak = pulled.Load()
			break
		}
	}
	select {
	case <-returned:
	case <-time.After(waitFor):
		t.Fatalf("the input was still being read %v after the loop ended", waitFor)
	}
	want(t, pulled.Load()-atBreak <= 1, "pulled %d more inputs after the break; at most the one being pulled may be", pulled.Load()-atBreak)
}

func mapSeqBatchSize(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2, BatchSize: 7})
	n := 0
	for out, err := range ex.MapSeq(bg(), slices.Values(squares(100))) {
		must(t, err, "MapSeq")
		wantEqual(t, out.N, n*n, "output "+itoa(n))
		n++
	}
	wantEqual(t, n, 100, "outputs")
	outs, err := ex.Map(bg(), squares(100))
	must(t, err, "Map")
	wantEqual(t, outs[99].N, 99*99, "Map's last output")
}
