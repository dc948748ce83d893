package procpool_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

func TestInvalidOptionsPanicNamingTheOption(t *testing.T) {
	for _, tc := range []struct {
		opt  procpool.Option
		want string
	}{
		{procpool.Workers(0), "procpool: Workers(0): need at least 1 worker"},
		{procpool.Workers(5000), "procpool: Workers(5000): must be from 1 to 4096"},
		{procpool.QueueSize(-1), "procpool: QueueSize(-1): must be from 0 to 1048576"},
		{procpool.QueueSize(math.MaxInt), fmt.Sprintf("procpool: QueueSize(%d): must be from 0 to 1048576", math.MaxInt)},
		{procpool.InFlight(0), "procpool: InFlight(0): must be from 1 to 1024"},
		{procpool.Stderr(nil), "procpool: Stderr(nil): need a writer; use io.Discard to drop the output"},
		{procpool.Logger(nil), "procpool: Logger(nil): need a logger"},
		{procpool.Retries(-1), "procpool: Retries(-1): must be from 0 to 1000"},
		{procpool.PoisonAfter(0), "procpool: PoisonAfter(0): must be from 1 to 1000"},
		{procpool.KillGrace(0), "procpool: KillGrace(0s): must be positive"},
		{procpool.Timeout(-1), "procpool: Timeout(-1ns): must be positive"},
		{procpool.RecycleAfter(0), "procpool: RecycleAfter(0): must be positive"},
		{procpool.MaxRSS(0), "procpool: MaxRSS(0): must be positive"},
		{procpool.StartTimeout(0), "procpool: StartTimeout(0s): must be positive"},
		{procpool.MaxMessage(0), "procpool: MaxMessage(0): must be from 1024 to 1073741824"},
		{procpool.MaxMessage(1 << 31), "procpool: MaxMessage(2147483648): must be from 1024 to 1073741824"},
		{procpool.Liveness(time.Microsecond), "procpool: Liveness(1µs): must be from 10ms to 24h0m0s"},
		{procpool.Command(nil), "procpool: Command(nil): need a function"},
		{procpool.Launch(0, procpool.SSH("h", "w")), "procpool: Launch(0, ...): need at least 1 worker"},
		{procpool.Launch(5000, procpool.SSH("h", "w")), "procpool: Launch(5000, ...): at most 4096 workers"},
		{procpool.Launch(1, nil), "procpool: Launch(1, nil): need a function"},
		{procpool.Init[string](nil, ""), "procpool: Init(nil, ...): need an initializer from RegisterInit"},
		{nil, "procpool: New: nil Option"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			assert.PanicsWithValue(t, tc.want, func() { procpool.New(squareTask, tc.opt) })
		})
	}
	assert.PanicsWithValue(t, "procpool: New: nil Task", func() { procpool.New[int, int](nil) })
}

// panicValue returns what f panics with, or nil.
func panicValue(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestRegisterRefusesBadRegistrations(t *testing.T) {
	fn := func(context.Context, int) (int, error) { return 0, nil }
	assert.Regexp(t, `^procpool: Register\("nil-fn"\) at procpool/badinput_test.go:\d+: nil function$`,
		panicValue(func() { procpool.Register[int, int]("nil-fn", nil) }))
	assert.Regexp(t, `^procpool: Register at procpool/badinput_test.go:\d+: empty name$`,
		panicValue(func() { procpool.Register("", fn) }))
	assert.Regexp(t, `^procpool: Register\("square"\) at procpool/badinput_test.go:\d+: name already registered at procpool/main_test.go:\d+$`,
		panicValue(func() { procpool.Register("square", fn) }), "a duplicate names both call sites")
}

func TestOutputOverLimitFailsThatInputOnly(t *testing.T) {
	p, _ := newPool(t, bigTask, procpool.Workers(1), procpool.MaxMessage(1<<20))
	_, err := p.Submit(bg(), 2<<20).Result(bg())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the output cannot be sent to the parent")
	assert.Contains(t, err.Error(), "exceeds the size limit")
	out, err := p.Submit(bg(), 10).Result(bg())
	require.NoError(t, err)
	assert.Len(t, out, 10)
	assert.Zero(t, p.Stats().Died)
}

func TestWorkerMarkerIsNotInherited(t *testing.T) {
	p, _ := newPool(t, markerTask, procpool.Workers(1))
	v, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err)
	assert.Equal(t, "[] []", v, "neither the task nor a program it starts sees POOLKIT_WORKER")
}
