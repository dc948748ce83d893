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
	return append(processOptions(cfg), poolOptions(cfg)...)
}

// processOptions are the options of a scenario's config for the worker
// processes: a pool's own, or its set's.
func processOptions(cfg pooltest.Config) []procpool.Option {
	opts := []procpool.Option{procpool.Stderr(io.Discard)}
	if cfg.Workers > 0 {
		opts = append(opts, procpool.Workers(cfg.Workers))
	}
	return opts
}

// poolOptions are the options of a scenario's config for the pool itself.
func poolOptions(cfg pooltest.Config) []procpool.Option {
	var opts []procpool.Option
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

// onASet returns pool options that put a scenario's pool on a set of its
// own, which a pool of another task shares and uses first, so that the
// scenario's pool runs on workers bound to another task before it. The
// set is closed when the test ends.
func onASet(t testing.TB, cfg pooltest.Config) []procpool.Option {
	set := procpool.NewSet(processOptions(cfg)...)
	t.Cleanup(func() { _ = set.Close() })
	other := procpool.New(squareTask, procpool.On(set))
	if _, err := other.Map(bg(), ints(2*max(1, cfg.Workers))); err != nil {
		t.Fatalf("the other pool on the set: %v", err)
	}
	return append(poolOptions(cfg), procpool.On(set))
}

// setEngine is the process engine with each pool on a set that another
// pool shares.
var setEngine = pooltest.Engine{
	New: func(t testing.TB, cfg pooltest.Config) pooltest.Executor[pooltest.Input, pooltest.Output] {
		return procpool.New(contractTask, onASet(t, cfg)...)
	},
	NewPointer: func(t testing.TB, cfg pooltest.Config) pooltest.Executor[*pooltest.Input, *pooltest.Output] {
		return procpool.New(contractPointerTask, onASet(t, cfg)...)
	},
	Stats:    engine.Stats,
	Separate: true,
}

func TestContractOnASet(t *testing.T) {
	t.Cleanup(func() { assertNoChildren(t) })
	pooltest.Run(t, setEngine)
}

func TestContract(t *testing.T) {
	t.Cleanup(func() { assertNoChildren(t) }) // once every scenario has closed its pool
	pooltest.Run(t, engine)
}

func BenchmarkContract(b *testing.B) { pooltest.Benchmark(b, engine) }
