package pool_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/pool"
)

func TestInvalidOptionsPanicNamingTheOption(t *testing.T) {
	for _, tc := range []struct {
		opt  pool.Option
		want string
	}{
		{pool.Workers(0), "pool: Workers(0): need at least 1 worker"},
		{pool.Workers(-3), "pool: Workers(-3): need at least 1 worker"},
		{pool.QueueSize(-1), "pool: QueueSize(-1): must not be negative"},
		{pool.Timeout(0), "pool: Timeout(0s): must be positive"},
		{nil, "pool: New: nil Option"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			assert.PanicsWithValue(t, tc.want, func() { pool.New(square, tc.opt) })
		})
	}
}

func TestNilFuncPanics(t *testing.T) {
	assert.PanicsWithValue(t, "pool: New: nil Func", func() { pool.New[int, int](nil) })
}

func TestDefaultWorkersIsUsableCPUs(t *testing.T) {
	p := pool.New(square)
	defer p.Close()
	require.Equal(t, runtimeCPUs(), p.Stats().Workers)
}

func TestStatsCountOutcomes(t *testing.T) {
	p := pool.New(func(ctx context.Context, x int) (int, error) {
		switch x {
		case 1:
			return 0, errBoom
		case 2:
			panic("kaboom")
		}
		return x, nil
	}, pool.Workers(2))
	bg := context.Background()
	for _, x := range []int{0, 1, 2, 3} {
		_, _ = p.Submit(bg, x).Result(bg)
	}
	_, _ = p.Map(bg, []int{0, 0, 0})
	require.NoError(t, p.Close())
	assert.Equal(t, pool.Stats{
		Workers:   0,
		Submitted: 7,
		Completed: 5,
		Failed:    2,
		Panicked:  1,
	}, p.Stats())
}
