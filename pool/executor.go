package pool

import (
	"context"
	"iter"

	"github.com/poolkit/poolkit/future"
)

// Func is a task: it turns one input into one output. It receives its own
// context, which is cancelled when the task's future is cancelled, when the
// caller's context ends, when a timeout passes, when Shutdown gives up
// waiting, and after the task returns.
type Func[In, Out any] func(ctx context.Context, in In) (Out, error)

// Executor runs tasks. Both engines satisfy it: [*Pool] on goroutines and
// procpool.Pool in child processes, so code written against Executor
// switches engines by changing the constructor.
type Executor[In, Out any] interface {
	// Submit schedules fn(in) and returns its future. It blocks while the
	// queue is full, until there is room or ctx ends; a task that cannot be
	// queued settles at once with ctx's error or ErrClosed.
	Submit(ctx context.Context, in In) *future.Future[Out]

	// Map runs fn over ins and returns the outputs in input order. At the
	// first failure it stops starting new work, cancels the tasks still
	// running and returns a *TaskError naming the failed input.
	Map(ctx context.Context, ins []In) ([]Out, error)

	// MapSeq runs fn over ins and yields the outputs in input order, holding
	// a bounded window of inputs and outputs in memory whatever the length
	// of ins. Each failed input yields a *TaskError. Breaking out of the
	// loop cancels the work in flight and waits for it.
	MapSeq(ctx context.Context, ins iter.Seq[In]) iter.Seq2[Out, error]

	// MapUnordered is MapSeq in completion order: it yields each input's
	// Result, with its index, as soon as it is ready.
	MapUnordered(ctx context.Context, ins iter.Seq[In]) iter.Seq[Result[Out]]

	// Shutdown stops intake, lets queued and running tasks finish, and if
	// ctx ends first cancels what is left. It returns once every goroutine
	// (and process) the executor started is gone: nil if all work finished,
	// ctx's error if ctx ended first (always, if it had ended before the
	// call).
	Shutdown(ctx context.Context) error

	// CancelQueued is Shutdown that first settles every input that has not
	// started with ErrShutdownCancel, letting running ones finish.
	CancelQueued(ctx context.Context) error

	// Close is Shutdown(context.Background()).
	Close() error
}

var _ Executor[int, int] = (*Pool[int, int])(nil)

// Result is one input's outcome in a MapUnordered stream.
type Result[Out any] struct {
	Index int // the input's position in the input
	Out   Out // its output, or the zero value if it failed
	Err   error
}
