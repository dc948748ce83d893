package procpool_test

import (
	"io"
	"testing"
	"time"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/pool/pooltest"
	"github.com/poolkit/poolkit/procpool"
)

var (
	contractTask        = procpool.Register("pooltest", pooltest.Task)
	contractPointerTask = procpool.Register("pooltest-pointer", pooltest.PointerTask)
	_                   = procpool.RegisterError(pooltest.ErrSentinel)
	_                   = procpool.RegisterError(&pooltest.Error{})
)

// contractOptions turns a scenario's config into the process engine's
// options.
func contractOptions(cfg pooltest.Config) []procpool.Option {
	opts := []procpool.Option{procpool.Stderr(io.Discard)}
	if cfg.Workers > 0 {
		opts = append(opts, procpool.Workers(cfg.Workers))
	}
	if cfg.SetQueue {
		opts = append(opts, procpool.QueueSize(cfg.QueueSize))
	}
	if cfg.BatchSize > 0 {
		opts = append(opts, procpool.BatchSize(cfg.BatchSize))
	}
	if cfg.ReadAhead > 0 {
		opts = append(opts, procpool.ReadAhead(cfg.ReadAhead))
	}
	if cfg.Timeout > 0 {
		opts = append(opts, procpool.Timeout(cfg.Timeout), procpool.KillGrace(100*time.Millisecond))
	}
	return opts
}

// engine is the process engine, for the contract.
var engine = pooltest.Engine{
	New: func(t testing.TB, cfg pooltest.Config) pooltest.Executor[pooltest.Input, pooltest.Output] {
		return procpool.New(contractTask, contractOptions(cfg)...)
	},
	NewPointer: func(t testing.TB, cfg pooltest.Config) pooltest.Executor[*pooltest.Input, *pooltest.Output] {
		return procpool.New(contractPointerTask, contractOptions(cfg)...)
	},
	Stats: func(ex pooltest.Executor[pooltest.Input, pooltest.Output]) pool.Stats {
		return ex.(*procpool.Pool[pooltest.Input, pooltest.Output]).Stats().Stats
	},
	Separate: true,
}

func TestContract(t *testing.T) {
	t.Cleanup(func() { assertNoChildren(t) }) // once every scenario has closed its pool
	pooltest.Run(t, engine)
}

func BenchmarkContract(b *testing.B) { pooltest.Benchmark(b, engine) }
