package pooltest

import (
	"context"
	"testing"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

var statsScenarios = []scenario{
	{"Stats/CountEachOutcomeOnce", statsOutcomes},
	{"Stats/CountMapAndMapSeqInputs", statsMapped},
}

// statsOutcomes runs inputs of every outcome and checks the counters once
// the executor is closed, when they are exact. Cancelled counts every input
// that settled as cancelled or past its deadline, whether or not it had
// started; Failed every other error, panics included.
func statsOutcomes(t *testing.T, e Engine) {
	ex, g := open(t, e, Config{Workers: 1})
	var fs []*future.Future[Output]
	for i := range 3 {
		fs = append(fs, ex.Submit(bg(), Input{Op: Square, N: i}))
	}
	fs = append(fs,
		ex.Submit(bg(), Input{Op: Fail}),
		ex.Submit(bg(), Input{Op: FailTyped}),
		ex.Submit(bg(), Input{Op: PanicText}))
	for _, f := range fs {
		result(t, f)
	}
	ctx, cancel := context.WithCancel(bg())
	running := ex.Submit(ctx, g.Input(Block, 0))
	g.Wait(0, "started")
	queued := ex.Submit(bg(), g.Input(Record, 1))
	queued.Cancel()
	cancel()
	result(t, running)
	must(t, ex.Close(), "Close")
	s := e.Stats(ex)
	wantEqual(t, s, pool.Stats{Submitted: 8, Completed: 3, Failed: 3, Panicked: 1, Cancelled: 2}, "Stats after Close")
}

func statsMapped(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2})
	ins := squares(1000)
	ins[10] = Input{Op: Fail}
	_, err := ex.Map(bg(), ins)
	wantIs(t, err, ErrSentinel, "Map")
	n := 0
	for range ex.MapSeq(bg(), endless(func(i int) Input { return Input{Op: Square, N: i} })) {
		n++
		if n == 500 {
			break
		}
	}
	must(t, ex.Close(), "Close")
	s := e.Stats(ex)
	want(t, s.Failed == 1, "Stats.Failed is %d after one input failed", s.Failed)
	want(t, s.Completed >= 500, "Stats.Completed is %d after 500 outputs were yielded", s.Completed)
	want(t, s.Submitted == s.Completed+s.Failed+s.Cancelled,
		"Stats after Close: Submitted %d is not Completed %d + Failed %d + Cancelled %d", s.Submitted, s.Completed, s.Failed, s.Cancelled)
	want(t, s.Queued == 0 && s.Running == 0, "Stats after Close: %d queued and %d running", s.Queued, s.Running)
}
