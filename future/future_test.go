package future_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
)

var errBoom = errors.New("boom")

func TestSettleOnce(t *testing.T) {
	p := future.NewPromise[int]()
	f := p.Future()
	require.False(t, f.Settled())
	assert.True(t, p.Settle(1, nil))
	assert.False(t, p.Settle(2, errBoom), "a second Settle must not win")
	assert.False(t, f.Cancel(), "Cancel after Settle must not win")

	v, err := f.Result(context.Background())
	assert.Equal(t, 1, v)
	assert.NoError(t, err)
	assert.True(t, f.Settled())
	assert.NoError(t, f.Err())
}

func TestSettleWithError(t *testing.T) {
	f := future.Failed[string](errBoom)
	_, err := f.Result(context.Background())
	assert.ErrorIs(t, err, errBoom)
	assert.ErrorIs(t, f.Err(), errBoom)
}

func TestZeroPromiseIsPending(t *testing.T) {
	var p future.Promise[int]
	f := p.Future()
	assert.False(t, f.Settled())
	select {
	case <-f.Done():
		t.Fatal("Done of a pending future is closed")
	default:
	}
	assert.Same(t, f, p.Future(), "Future must return the same pointer each time")
}

func TestDoneClosesOnSettle(t *testing.T) {
	for _, askFirst := range []bool{true, false} {
		p := future.NewPromise[int]()
		var done <-chan struct{}
		if askFirst {
			done = p.Future().Done()
		}
		p.Settle(7, nil)
		if !askFirst {
			done = p.Future().Done()
		}
		select {
		case <-done:
		default:
			t.Fatalf("Done not closed after Settle (asked first: %v)", askFirst)
		}
	}
}

func TestCancel(t *testing.T) {
	p := future.NewPromise[int]()
	var hooked []error
	p.OnCancel(func(err error) { hooked = append(hooked, err) })
	f := p.Future()

	require.True(t, f.Cancel())
	assert.False(t, f.Cancel(), "only the first Cancel wins")
	assert.False(t, p.Settle(1, nil), "the producer cannot settle a cancelled future")

	_, err := f.Result(context.Background())
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []error{context.Canceled}, hooked, "OnCancel runs once with the cancellation error")
}

func TestCancelHookNotCalledAfterSettle(t *testing.T) {
	p := future.NewPromise[int]()
	called := false
	p.OnCancel(func(error) { called = true })
	p.Settle(1, nil)
	assert.False(t, p.Future().Cancel())
	assert.False(t, called)
}

func TestResultGivesUpWhenCtxEnds(t *testing.T) {
	p := future.NewPromise[int]()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Future().Result(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, p.Future().Settled(), "Result's ctx must not touch the future")

	p.Settle(5, nil)
	v, err := p.Future().Result(ctx)
	require.NoError(t, err, "a settled future returns its result even with an ended ctx")
	assert.Equal(t, 5, v)
}

func TestResultWaitsForSettle(t *testing.T) {
	p := future.NewPromise[int]()
	go p.Settle(42, nil)
	v, err := p.Future().Result(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 42, v)
}

func TestOnSettle(t *testing.T) {
	p := future.NewPromise[int]()
	var got []int
	p.Future().OnSettle(func(v int, err error) { got = append(got, v) })
	p.Future().OnSettle(func(v int, err error) { got = append(got, v*10) })
	require.Empty(t, got, "callbacks wait for the settle")
	p.Settle(3, nil)
	assert.Equal(t, []int{3, 30}, got, "callbacks run in order when the future settles")

	p.Future().OnSettle(func(v int, err error) { got = append(got, v*100) })
	assert.Equal(t, []int{3, 30, 300}, got, "a callback added after settling runs at once")
}

func TestOnSettleStop(t *testing.T) {
	p := future.NewPromise[int]()
	var got []string
	stopA := p.Future().OnSettle(func(int, error) { got = append(got, "a") })
	stopB := p.Future().OnSettle(func(int, error) { got = append(got, "b") })
	stopC := p.Future().OnSettle(func(int, error) { got = append(got, "c") })

	assert.True(t, stopB(), "stop before settling stops the callback")
	assert.False(t, stopB(), "a second stop has nothing left to stop")
	p.Settle(1, nil)
	assert.Equal(t, []string{"a", "c"}, got, "only the stopped callback is skipped, in order")
	assert.False(t, stopA(), "stop after the callback ran reports false")
	assert.False(t, stopC())

	stopD := p.Future().OnSettle(func(int, error) { got = append(got, "d") })
	assert.Equal(t, []string{"a", "c", "d"}, got, "on a settled future the callback runs at once")
	assert.False(t, stopD(), "and its stop reports false")
}

func TestOnSettleStopRacesSettle(t *testing.T) {
	// stop and the settle race; stop must report true exactly when the
	// callback did not run.
	for range 200 {
		p := future.NewPromise[int]()
		var ran atomic.Bool
		stop := p.Future().OnSettle(func(int, error) { ran.Store(true) })
		settled := make(chan struct{})
		go func() {
			defer close(settled)
			p.Settle(1, nil)
		}()
		stopped := stop()
		<-settled
		require.NotEqual(t, stopped, ran.Load(), "stop reported %v", stopped)
	}
}

// logTo sends slog's default logger to a buffer for the rest of the test.
func logTo(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return &buf
}

func TestOnSettlePanicIsLoggedAndContained(t *testing.T) {
	logs := logTo(t)
	p := future.NewPromise[int]()
	var got []int
	p.Future().OnSettle(func(v int, _ error) { got = append(got, v) })
	p.Future().OnSettle(func(int, error) { panicInCallback() })
	p.Future().OnSettle(func(v int, _ error) { got = append(got, v*10) })

	var won bool
	require.NotPanics(t, func() { won = p.Settle(4, nil) }, "a callback's panic must not reach the settling goroutine")
	assert.True(t, won)
	assert.Equal(t, []int{4, 40}, got, "the callbacks after the panicking one still run")
	assert.Contains(t, logs.String(), "future: OnSettle callback panicked")
	assert.Contains(t, logs.String(), "callback exploded")
	assert.Contains(t, logs.String(), "panicInCallback", "the log carries the panic's stack")

	logs.Reset()
	require.NotPanics(t, func() { p.Future().OnSettle(func(int, error) { panicInCallback() }) },
		"a callback run at once by OnSettle is contained the same way")
	assert.Contains(t, logs.String(), "callback exploded")
}

func panicInCallback() { panic("callback exploded") }

func TestRunning(t *testing.T) {
	var p future.Promise[int] // the zero Promise, as an executor embeds it
	f := p.Future()
	assert.False(t, f.Running(), "a new future is not running")
	assert.False(t, f.Started())

	require.True(t, p.Start(), "Start on a pending future lets the work go on")
	assert.True(t, f.Running())
	assert.True(t, f.Started())
	assert.True(t, p.Start(), "Start again while pending still says go on")

	p.Settle(1, nil)
	assert.False(t, f.Running(), "a settled future is not running")
	assert.True(t, f.Started(), "but it did start")
	assert.False(t, p.Start(), "Start after settling says stop")
}

func TestStartAfterCancel(t *testing.T) {
	p := future.NewPromise[int]()
	require.True(t, p.Future().Cancel())
	assert.False(t, p.Start(), "the producer must not run a cancelled future")
	assert.False(t, p.Future().Running())
	assert.False(t, p.Future().Started(), "a future cancelled before it started never ran")
}

func TestCancelWhileRunning(t *testing.T) {
	p := future.NewPromise[int]()
	require.True(t, p.Start())
	require.True(t, p.Future().Cancel(), "a running future can be cancelled")
	assert.False(t, p.Future().Running())
	assert.True(t, p.Future().Started(), "it ran, then was cancelled")
	assert.ErrorIs(t, p.Future().Err(), context.Canceled)
}

func TestStartRacesCancel(t *testing.T) {
	// Whoever wins, Start's answer and Started agree: the work runs only if
	// the future records that it started.
	for range 200 {
		p := future.NewPromise[int]()
		cancelled := make(chan bool)
		go func() { cancelled <- p.Future().Cancel() }()
		started := p.Start()
		require.True(t, <-cancelled, "Cancel wins over a pending or running future")
		require.Equal(t, started, p.Future().Started())
		require.False(t, p.Future().Running())
	}
}

func TestConcurrentSettleHasOneWinner(t *testing.T) {
	for range 200 {
		p := future.NewPromise[int]()
		var wins atomic.Int32
		var calls atomic.Int32
		p.Future().OnSettle(func(int, error) { calls.Add(1) })
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				var won bool
				if i%2 == 0 {
					won = p.Settle(i, nil)
				} else {
					won = p.Future().Cancel()
				}
				if won {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		require.Equal(t, int32(1), wins.Load(), "exactly one settle wins")
		require.Equal(t, int32(1), calls.Load(), "callbacks run exactly once")
	}
}
