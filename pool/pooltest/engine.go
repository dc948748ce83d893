package pooltest

import (
	"context"
	"testing"
	"time"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

// Executor is what a scenario drives: a [pool.Executor] with TrySubmit,
// as both of poolkit's engines have.
type Executor[In, Out any] interface {
	pool.Executor[In, Out]
	TrySubmit(ctx context.Context, in In) (*future.Future[Out], error)
}

// Config is what a scenario asks of the executor it needs. Zero fields
// mean the engine's default.
type Config struct {
	Workers   int
	QueueSize int // used only when SetQueue is set, so that 0 can be asked for
	SetQueue  bool
	Timeout   time.Duration
	BatchSize int // inputs per batch of Map and MapSeq
	ReadAhead int // inputs MapSeq may pull and not yet yield
}

// Engine describes the engine under test.
type Engine struct {
	// New returns an executor that runs [Task] as cfg says. The scenario
	// closes it; New may also close it when the test ends.
	New func(t testing.TB, cfg Config) Executor[Input, Output]

	// NewPointer is New for [PointerTask].
	NewPointer func(t testing.TB, cfg Config) Executor[*Input, *Output]

	// Stats returns the executor's counters.
	Stats func(ex Executor[Input, Output]) pool.Stats

	// Separate is set for an engine whose tasks run in another address
	// space, as procpool's do. The scenarios in differences.go, and only
	// those, expect other outcomes from such an engine.
	Separate bool
}

// scenario is one behaviour of the contract.
type scenario struct {
	name string
	run  func(t *testing.T, e Engine)
}

// Run runs every scenario of the contract against e, each as a subtest
// named after the behaviour it checks, in parallel with the others.
func Run(t *testing.T, e Engine) {
	for _, group := range [][]scenario{
		resultScenarios, errorScenarios, cancelScenarios, mapScenarios,
		streamScenarios, unorderedScenarios, shutdownScenarios, statsScenarios,
		typeScenarios, memoryScenarios, differenceScenarios,
	} {
		for _, s := range group {
			t.Run(s.name, func(t *testing.T) {
				t.Parallel()
				s.run(t, e)
			})
		}
	}
}

// open returns an executor for cfg, closed when the test ends, and a gate
// that is closed before it, so blocked inputs are released first.
func open(t *testing.T, e Engine, cfg Config) (Executor[Input, Output], *Gate) {
	t.Helper()
	ex := e.New(t, cfg)
	t.Cleanup(func() {
		if err := ex.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return ex, NewGate(t)
}

func bg() context.Context { return context.Background() }

// withGuard returns a context that ends after the hang guard.
func withGuard() (context.Context, context.CancelFunc) {
	return context.WithTimeout(bg(), waitFor)
}
