package pooltest

import (
	"context"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

var shutdownScenarios = []scenario{
	{"Shutdown/LaterSubmitsSettleWithErrClosed", submitAfterClose},
	{"Shutdown/LetsQueuedAndRunningInputsFinish", shutdownDrains},
	{"Shutdown/WhoseContextEndsCancelsWhatIsLeft", shutdownGivesUp},
	{"Shutdown/WhoseContextHasEndedReturnsItsErrorAlways", shutdownEndedIdle},
	{"Submit/AfterCloseWhileItsContextEndsSettlesWithErrClosed", submitAfterCloseWhileCancelled},
	{"Shutdown/SafeToCallTwiceAndConcurrently", shutdownTwice},
	{"Shutdown/DuringMapSeqEndsItWithErrClosed", shutdownDuringMapSeq},
	{"Shutdown/GivingUpDuringMapSeqEndsItWithErrClosed", shutdownGivesUpDuringMapSeq},
	{"Submit/BlocksOnAFullQueueUntilItsContextEnds", backpressure},
	{"Submit/BlockedOnAFullQueueGivesUpAtShutdown", blockedSubmitAtShutdown},
}

func submitAfterClose(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	must(t, ex.Close(), "Close")
	_, err := result(t, ex.Submit(bg(), Input{Op: Square}))
	wantIs(t, err, pool.ErrClosed, "Submit after Close")
	ended, cancel := context.WithCancel(bg())
	cancel()
	for range 1000 { // the context's error must never win, however the goroutines run
		_, err = result(t, ex.Submit(ended, Input{Op: Square}))
		wantIs(t, err, pool.ErrClosed, "Submit with an ended context after Close: ErrClosed comes first")
	}
	f, err := ex.TrySubmit(bg(), Input{Op: Square})
	want(t, f == nil, "TrySubmit after Close returned a future")
	wantIs(t, err, pool.ErrClosed, "TrySubmit after Close")
	for _, c := range []struct {
		what string
		ctx  context.Context
		ins  iter.Seq[Input]
	}{
		{"MapSeq after Close", bg(), endless(func(i int) Input { return Input{Op: Square, N: i} })},
		{"MapSeq with an ended context after Close", ended, endless(func(i int) Input { return Input{Op: Square, N: i} })},
		{"MapSeq of no inputs after Close", bg(), slices.Values([]Input(nil))},
	} {
		n := 0
		for _, err := range ex.MapSeq(c.ctx, c.ins) {
			wantIs(t, err, pool.ErrClosed, c.what)
			n++
		}
		wantEqual(t, n, 1, "what "+c.what+" yields")
	}
}

func shutdownDrains(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	running := ex.Submit(bg(), g.Input(Block, 0))
	g.Wait(0, "started")
	queued := ex.Submit(bg(), g.Input(Record, 1))
	shut := make(chan error, 1)
	go func() { shut <- ex.Shutdown(bg()) }()
	waitClosed(t, ex)
	g.Release(0)
	must(t, <-shut, "Shutdown")
	out, err := result(t, running)
	must(t, err, "the running input")
	wantEqual(t, out.N, 0, "the running input's output")
	out, err = result(t, queued)
	must(t, err, "the queued input")
	wantEqual(t, out.N, 1, "the queued input's output")
}

func shutdownGivesUp(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	running := ex.Submit(bg(), g.Input(Block, 0))
	g.Wait(0, "started")
	queued := ex.Submit(bg(), g.Input(Record, 1))
	ended, cancel := context.WithCancel(bg())
	cancel()
	wantIs(t, ex.Shutdown(ended), context.Canceled, "Shutdown whose context ended")
	for what, f := range map[string]*future.Future[Output]{"the running input": running, "the queued input": queued} {
		_, err := result(t, f)
		wantIs(t, err, pool.ErrShutdownCancel, what)
		wantIs(t, err, context.Canceled, what)
		wantIs(t, err, pool.ErrClosed, what)
	}
	if !e.Separate { // a process engine kills the worker at once instead
		wantEqual(t, g.Wait(0, "ended"), "ended canceled canceled", "what the running input saw")
	}
	want(t, !g.Saw(1, "ran"), "the queued input ran after Shutdown gave up")
	must(t, ex.Close(), "Close after Shutdown gave up")
}

func shutdownTwice(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 2})
	f := ex.Submit(bg(), g.Input(Block, 0))
	g.Wait(0, "started")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = ex.Shutdown(bg()) })
	}
	waitClosed(t, ex)
	g.Release(0)
	wg.Wait()
	for i, err := range errs {
		must(t, err, "Shutdown call "+itoa(i))
	}
	_, err := result(t, f)
	must(t, err, "the input running during the Shutdown calls")
	must(t, ex.Close(), "Close after Shutdown")
}

// shutdownDuringMapSeq closes the executor while a stream is running: the
// stream yields the outputs of what it handed over, then one error that
// matches ErrClosed, and ends.
func shutdownDuringMapSeq(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2})
	closed := make(chan error, 1)
	var last error
	n, errs := 0, 0
	for out, err := range ex.MapSeq(bg(), endless(func(i int) Input { return Input{Op: Square, N: i} })) {
		if err != nil {
			errs++
			last = err
			continue
		}
		if out.N != n*n {
			t.Fatalf("output %d is %d", n, out.N)
		}
		if n == 100 {
			go func() { closed <- ex.Close() }()
		}
		n++
	}
	must(t, <-closed, "Close")
	wantEqual(t, errs, 1, "errors MapSeq yielded")
	wantIs(t, last, pool.ErrClosed, "how MapSeq ended")
}

// shutdownGivesUpDuringMapSeq ends a Shutdown's context while a stream has
// inputs running that only a cancellation ends.
func shutdownGivesUpDuringMapSeq(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 2})
	shut := make(chan error, 1)
	go func() {
		g.await(0, "started")
		ended, cancel := context.WithCancel(bg())
		cancel()
		shut <- ex.Shutdown(ended)
	}()
	var errs []error
	for _, err := range ex.MapSeq(bg(), endless(func(i int) Input { return g.Input(Block, i) })) {
		if err == nil {
			t.Fatalf("MapSeq yielded the output of an input that was never released")
		}
		errs = append(errs, err)
	}
	wantIs(t, <-shut, context.Canceled, "Shutdown whose context ended")
	if len(errs) == 0 {
		t.Fatalf("MapSeq ended without an error")
	}
	for _, err := range errs {
		wantIs(t, err, pool.ErrClosed, "what MapSeq yielded")
	}
}

func backpressure(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1, QueueSize: 1, SetQueue: true})
	blockFirst(t, ex, g)
	full := false
	for i := 1; i <= 100 && !full; i++ {
		_, err := ex.TrySubmit(bg(), g.Input(Record, i))
		if err != nil {
			wantIs(t, err, pool.ErrQueueFull, "TrySubmit on a busy executor")
			full = true
		}
	}
	want(t, full, "100 inputs queued behind a blocked one with QueueSize(1): the queue is not bounded")
	ctx, cancel := context.WithTimeout(bg(), 50*time.Millisecond)
	defer cancel()
	_, err := result(t, ex.Submit(ctx, Input{Op: Square}))
	wantIs(t, err, context.DeadlineExceeded, "Submit on a full queue until its context ended")
	g.Release(0)
}

func blockedSubmitAtShutdown(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1, QueueSize: 1, SetQueue: true})
	blockFirst(t, ex, g)
	for i := 1; ; i++ {
		if _, err := ex.TrySubmit(bg(), g.Input(Record, i)); err != nil {
			break
		}
	}
	blocked := make(chan *future.Future[Output], 1)
	go func() { blocked <- ex.Submit(bg(), Input{Op: Square}) }()
	shut := make(chan error, 1)
	go func() { shut <- ex.Shutdown(bg()) }()
	f := <-blocked
	_, err := result(t, f)
	wantIs(t, err, pool.ErrClosed, "a Submit blocked on a full queue when Shutdown began")
	g.Release(0)
	must(t, <-shut, "Shutdown")
}

// Shutdown with a context that has already ended returns its error, with
// or without work left to cancel, however the goroutines run, and later
// inputs are refused with ErrClosed itself.
func shutdownEndedIdle(t *testing.T, e Engine) {
	ended, cancel := context.WithCancel(bg())
	cancel()
	for i := range 10 {
		ex, _ := open(t, e, Config{Workers: 1})
		if i%2 == 1 { // and after some work, all of it finished
			out, err := result(t, ex.Submit(bg(), Input{Op: Square, N: 3}))
			must(t, err, "an input before Shutdown")
			wantEqual(t, out.N, 9, "its output")
		}
		want(t, ex.Shutdown(ended) == context.Canceled, "Shutdown with an ended context: want its error")
		want(t, ex.Shutdown(ended) == context.Canceled, "Shutdown again with an ended context: want its error")
		_, err := result(t, ex.Submit(bg(), Input{Op: Square}))
		want(t, err == pool.ErrClosed, "Submit after that Shutdown: got %v, want ErrClosed itself", err)
	}
}

// A Submit to a closed executor settles with ErrClosed even when its
// context ends during the call.
func submitAfterCloseWhileCancelled(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	must(t, ex.Close(), "Close")
	for range 1000 {
		ctx, cancel := context.WithCancel(bg())
		go cancel()
		_, err := result(t, ex.Submit(ctx, Input{Op: Square}))
		wantIs(t, err, pool.ErrClosed, "Submit after Close, its context ending meanwhile")
		cancel()
	}
}
