package pool_test

import (
	"testing"

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

func TestContract(t *testing.T) {
	pooltest.Run(t, pooltest.Engine{
		New: func(t testing.TB, cfg pooltest.Config) pooltest.Executor[pooltest.Input, pooltest.Output] {
			return pool.New(pooltest.Task, options(cfg)...)
		},
		NewPointer: func(t testing.TB, cfg pooltest.Config) pooltest.Executor[*pooltest.Input, *pooltest.Output] {
			return pool.New(pooltest.PointerTask, options(cfg)...)
		},
		Stats: func(ex pooltest.Executor[pooltest.Input, pooltest.Output]) pool.Stats {
			return ex.(*pool.Pool[pooltest.Input, pooltest.Output]).Stats()
		},
	})
}
