package pooltest

import (
	"context"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestGateSeesTasksStartEndAndReport(t *testing.T) {
	g := NewGate(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Task(ctx, g.Input(Block, 1))
		done <- err
	}()
	g.Wait(1, "started")
	cancel()
	if e := g.Wait(1, "ended"); e != "ended canceled canceled" {
		t.Errorf("a cancelled Block reported %q", e)
	}
	if err := <-done; err != context.Canceled {
		t.Errorf("a cancelled Block returned %v", err)
	}

	g.Release(2) // before it starts: it returns as soon as it does
	out, err := Task(context.Background(), g.Input(Block, 2))
	if err != nil || out.N != 4 {
		t.Errorf("a Block released early returned %v, %v", out, err)
	}

	if _, err := Task(context.Background(), g.Input(Record, 3)); err != nil {
		t.Fatal(err)
	}
	if !g.Saw(3, "ran") {
		t.Errorf("a Record input's report was not seen by the time it returned")
	}
	if g.Saw(4, "ran") {
		t.Errorf("the gate saw an input that never ran")
	}
}
