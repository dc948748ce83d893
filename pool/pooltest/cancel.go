package pooltest

import (
	"context"
	"slices"
	"testing"
	"time"
)

var cancelScenarios = []scenario{
	{"Cancel/QueuedInputByItsFutureNeverRuns", cancelQueuedFuture},
	{"Cancel/QueuedInputByItsContextNeverRuns", cancelQueuedCtx},
	{"Cancel/RunningInputSeesItsContextCancelled", cancelRunning},
	{"Cancel/CauseReachesTheTask", cancelCause},
	{"Cancel/AlreadyEndedContextRunsNothing", alreadyEnded},
	{"Deadline/RunningInputSettlesAsDeadlineExceeded", deadlineRunning},
	{"Deadline/TaskContextCarriesTheCallersDeadline", deadlineVisible},
	{"Deadline/TimeoutSettlesACooperativeTask", timeoutCooperative},
}

// blockFirst submits a Block input numbered 0 to a one-worker executor and
// waits until it runs, so that what is submitted next waits in the queue.
func blockFirst(t *testing.T, ex Executor[Input, Output], g *Gate) {
	t.Helper()
	ex.Submit(bg(), g.Input(Block, 0))
	g.Wait(0, "started")
}

func cancelQueuedFuture(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	blockFirst(t, ex, g)
	f := ex.Submit(bg(), g.Input(Record, 1))
	want(t, f.Cancel(), "Cancel of a queued input reported false")
	_, err := result(t, f)
	wantIs(t, err, context.Canceled, "a cancelled queued input")
	want(t, !f.Cancel(), "a second Cancel reported true")
	g.Release(0)
	must(t, ex.Close(), "Close")
	want(t, !g.Saw(1, "ran"), "a cancelled queued input ran")
}

func cancelQueuedCtx(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	blockFirst(t, ex, g)
	ctx, cancel := context.WithCancel(bg())
	f := ex.Submit(ctx, g.Input(Record, 1))
	cancel()
	_, err := result(t, f)
	wantIs(t, err, context.Canceled, "a queued input whose context ended")
	g.Release(0)
	must(t, ex.Close(), "Close")
	want(t, !g.Saw(1, "ran"), "a queued input whose context ended ran")
}

func cancelRunning(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	ctx, cancel := context.WithCancel(bg())
	f := ex.Submit(ctx, g.Input(Block, 1))
	g.Wait(1, "started")
	cancel()
	_, err := result(t, f)
	wantIs(t, err, context.Canceled, "a running input whose context ended")
	wantNotIs(t, err, context.DeadlineExceeded, "a running input whose context was cancelled")
	wantEqual(t, g.Wait(1, "ended"), "ended canceled canceled", "what the task saw")

	g2 := ex.Submit(bg(), g.Input(Block, 2))
	g.Wait(2, "started")
	want(t, g2.Cancel(), "Cancel of a running input reported false")
	_, err = result(t, g2)
	wantIs(t, err, context.Canceled, "a running input cancelled by its future")
	wantEqual(t, g.Wait(2, "ended"), "ended canceled canceled", "what the task saw")
}

func cancelCause(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	ctx, cancel := context.WithCancelCause(bg())
	f := ex.Submit(ctx, g.Input(Block, 1))
	g.Wait(1, "started")
	cancel(&Error{Code: 1})
	_, err := result(t, f)
	wantIs(t, err, context.Canceled, "the future of an input cancelled with a cause")
	wantEqual(t, g.Wait(1, "ended"), "ended canceled sentinel", "what the task saw: context.Cause is the caller's cause")
}

func alreadyEnded(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 2})
	cancelled, cancel := context.WithCancel(bg())
	cancel()
	expired, cancel2 := context.WithDeadline(bg(), time.Now().Add(-time.Second))
	defer cancel2()
	const n = 200
	for i := range n {
		_, err := result(t, ex.Submit(cancelled, g.Input(Record, i)))
		wantIs(t, err, context.Canceled, "Submit with a cancelled context")
		_, err = result(t, ex.Submit(expired, g.Input(Record, n+i)))
		wantIs(t, err, context.DeadlineExceeded, "Submit with an expired context")
	}
	ins := []Input{g.Input(Record, 2*n), g.Input(Record, 2*n+1)}
	outs, err := ex.Map(cancelled, ins)
	wantIs(t, err, context.Canceled, "Map with a cancelled context")
	want(t, outs == nil, "Map with a cancelled context returned outputs")
	yielded := 0
	for _, err := range ex.MapSeq(expired, slices.Values(ins)) {
		wantIs(t, err, context.DeadlineExceeded, "MapSeq with an expired context")
		yielded++
	}
	wantEqual(t, yielded, 1, "what MapSeq with an expired context yields")
	must(t, ex.Close(), "Close")
	for i := range 2*n + 2 {
		if g.Saw(i, "ran") {
			t.Errorf("input %d ran although its context had ended before it was submitted", i)
		}
	}
}

// deadlineRunning gives a Block input a deadline and expects it to settle
// with DeadlineExceeded, its task to see DeadlineExceeded too. The input
// must start before its deadline for the task's view to count; on a
// machine too busy for that, it tries again with a longer deadline.
func deadlineRunning(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	for i, d := 0, 500*time.Millisecond; ; i, d = i+1, 2*d {
		ctx, cancel := context.WithTimeout(bg(), d)
		_, err := result(t, ex.Submit(ctx, g.Input(Block, i)))
		cancel()
		wantIs(t, err, context.DeadlineExceeded, "a running input whose deadline passed")
		wantNotIs(t, err, context.Canceled, "a running input whose deadline passed")
		if !g.Saw(i, "started") {
			if d > time.Minute {
				t.Fatalf("no input started within its deadline, the last %v", d)
			}
			continue
		}
		wantEqual(t, g.Wait(i, "ended"), "ended deadline deadline", "what the task saw")
		return
	}
}

func deadlineVisible(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	deadline := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(bg(), deadline)
	defer cancel()
	out, err := result(t, ex.Submit(ctx, g.Input(Deadline, 1)))
	must(t, err, "the Deadline input")
	// A process engine may carry the time left rather than the instant, so
	// the task's deadline may be earlier by the time the trip took.
	want(t, !out.Deadline.After(deadline) && out.Deadline.After(deadline.Add(-time.Minute)),
		"the task's deadline is %v, want the caller's %v", out.Deadline, deadline)
	out, err = result(t, ex.Submit(bg(), g.Input(Deadline, 2)))
	must(t, err, "the Deadline input without a deadline")
	want(t, out.Deadline.IsZero(), "the task has a deadline %v that the caller did not set", out.Deadline)
}

func timeoutCooperative(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1, Timeout: 100 * time.Millisecond})
	_, err := result(t, ex.Submit(bg(), g.Input(Block, 1)))
	wantIs(t, err, context.DeadlineExceeded, "an input past its Timeout")
	wantEqual(t, g.Wait(1, "ended"), "ended deadline deadline", "what the task saw")
	out, err := result(t, ex.Submit(bg(), Input{Op: Square, N: 3}))
	must(t, err, "an input within its Timeout")
	wantEqual(t, out.N, 9, "output")
}
