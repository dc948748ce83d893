package pool_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/pool/pooltest"
)

// options turns a scenario's config into the goroutine engine's options.
func options(cfg pooltest.Config) []pool.Option {
	var opts []pool.Option
	if cfg.Workers > 0 {
		opts = append(opts, pool.Workers(cfg.Workers))
	}
	if cfg.SetQueue {
		opts = append(opts, pool.QueueSize(cfg.QueueSize))
	}
	if cfg.BatchSize > 0 {
		opts = append(opts, pool.BatchSize(cfg.BatchSize))
	}
	if cfg.ReadAhead > 0 {
		opts = append(opts, pool.ReadAhead(cfg.ReadAhead))
	}
	if cfg.Timeout > 0 {
		opts = append(opts, pool.Timeout(cfg.Timeout))
	}
	return opts
}

// engine is the goroutine engine, for the contract.
var engine = pooltest.Engine{
	New: func(t testing.TB, cfg pooltest.Config) pooltest.Executor[pooltest.Input, pooltest.Output] {
		return pool.New(pooltest.Task, options(cfg)...)
	},
	NewPointer: func(t testing.TB, cfg pooltest.Config) pooltest.Executor[*pooltest.Input, *pooltest.Output] {
		return pool.New(pooltest.PointerTask, options(cfg)...)
	},
	Stats: func(ex pooltest.Executor[pooltest.Input, pooltest.Output]) pool.Stats {
		return ex.(*pool.Pool[pooltest.Input, pooltest.Output]).Stats()
	},
}

func TestContract(t *testing.T) { pooltest.Run(t, engine) }

func BenchmarkContract(b *testing.B) { pooltest.Benchmark(b, engine) }

// TestContractWithinALimit runs the contract on pools that share a Limit
// with a neighbour: the limit holds as many slots as the pool has
// workers, and the neighbour keeps taking one for a moment, so the pool's
// inputs wait for slots now and then, and every behaviour of the contract
// must hold through that wait.
func TestContractWithinALimit(t *testing.T) {
	pooltest.Run(t, pooltest.Engine{
		New: func(t testing.TB, cfg pooltest.Config) pooltest.Executor[pooltest.Input, pooltest.Output] {
			l := limitWithNeighbour(t, cfg)
			cost := pool.Cost(func(pooltest.Input) int64 { return 1 })
			return pool.New(pooltest.Task, append(options(cfg), pool.Within(l), cost)...)
		},
		NewPointer: func(t testing.TB, cfg pooltest.Config) pooltest.Executor[*pooltest.Input, *pooltest.Output] {
			l := limitWithNeighbour(t, cfg)
			return pool.New(pooltest.PointerTask, append(options(cfg), pool.Within(l))...)
		},
		Stats: func(ex pooltest.Executor[pooltest.Input, pooltest.Output]) pool.Stats {
			return ex.(*pool.Pool[pooltest.Input, pooltest.Output]).Stats()
		},
	})
}

// limitWithNeighbour returns a Limit of one slot per worker cfg asks for,
// and starts a pool of another type on it that takes a slot for 50µs at
// a time, over and over, until the test ends.
func limitWithNeighbour(t testing.TB, cfg pooltest.Config) *pool.Limit {
	workers := cfg.Workers
	if workers == 0 {
		workers = runtimeCPUs()
	}
	l := pool.NewLimit(workers)
	neighbour := pool.New(func(_ context.Context, s string) (int, error) {
		time.Sleep(50 * time.Microsecond) // work done holding the slot, not a wait for state
		return len(s), nil
	}, pool.Workers(1), pool.Within(l))
	ctx, stop := context.WithCancel(context.Background())
	var running sync.WaitGroup
	running.Go(func() {
		for range neighbour.MapSeq(ctx, func(yield func(string) bool) {
			for yield("neighbour") {
			}
		}) {
		}
	})
	t.Cleanup(func() {
		stop()
		running.Wait()
		if err := neighbour.Close(); err != nil {
			t.Errorf("neighbour's Close: %v", err)
		}
	})
	return l
}
