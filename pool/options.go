package pool

import (
	"context"
	"fmt"
	"github.com/poolkit/poolkit/internal/option"
	"runtime"
	"time"
)

// Option configures a Pool. Options are validated by [New], which panics
// with a message naming the option if one is invalid.
type Option interface {
	apply(*config) error
}

// pkg names the package in option errors.
const pkg = "pool"

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is what the options set. Zero fields mean "use the default".
type config struct {
	workers   int
	queue     int
	queued    bool // queue was set, so 0 means "no buffer"
	timeout   time.Duration
	batch     int // inputs per batch of Map and MapSeq; 0 to size them from task time
	readAhead int // inputs MapSeq may pull and not yet yield; 0 for the default
	init      func(ctx context.Context) error
	limit     *Limit // shared with other pools; nil for none
	cost      any    // the Cost option's func(In) int64; nil for 1 per input
}

// Limits on option values, beyond which a value is a mistake that would
// fail later and less clearly.
const (
	maxWorkers   = 1 << 20
	maxQueue     = 1 << 24
	maxBatch     = 1 << 20
	maxReadAhead = 1 << 30
)

// Workers sets how many tasks run at once. The default is the number of CPUs
// the process may use (runtime.GOMAXPROCS(0)). n must be at least 1.
func Workers(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("pool: Workers(%d): need at least 1 worker", n)
		}
		c.workers = n
		return option.Within(pkg, "Workers", n, 1, maxWorkers)
	})
}

// QueueSize sets how many submitted tasks may wait for a worker before
// Submit blocks and TrySubmit reports [ErrQueueFull]. The default is 16 per
// worker. With 0, Submit waits until a worker takes the task. n must not be
// negative.
func QueueSize(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 0 {
			return fmt.Errorf("pool: QueueSize(%d): must not be negative", n)
		}
		c.queue, c.queued = n, true
		return option.Within(pkg, "QueueSize", n, 0, maxQueue)
	})
}

// Timeout limits how long each task may run. When d passes, the task's
// context is cancelled with context.DeadlineExceeded and its future settles
// with that error at once. A task that ignores its context keeps its worker
// busy until it returns; only procpool can kill it. d must be positive.
func Timeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("pool: Timeout(%v): must be positive", d)
		}
		c.timeout = d
		return nil
	})
}

// BatchSize fixes how many inputs of Map and MapSeq go to a worker at a
// time, like the chunksize of Python's map. By default the size follows the
// measured task time, from 1 for slow tasks up to 1024 for tiny ones. n
// must be from 1 to 1048576.
func BatchSize(n int) Option {
	return optionFunc(func(c *config) error {
		c.batch = n
		return option.Within(pkg, "BatchSize", n, 1, maxBatch)
	})
}

// ReadAhead limits how many inputs MapSeq and MapUnordered pull from their
// input and have not yet yielded, like the buffersize of Python's map. The
// default is two batches per worker, at most 1024 inputs each. A small
// limit keeps fewer inputs in memory and pulls fewer before a break, at the
// cost of throughput for tiny tasks. n must be at least 1.
func ReadAhead(n int) Option {
	return optionFunc(func(c *config) error {
		c.readAhead = n
		return option.Within(pkg, "ReadAhead", n, 1, maxReadAhead)
	})
}

// Init runs init with arg on each worker goroutine before the first task
// it runs, like procpool's Init and Python's initializer: open a
// connection, warm a cache. If it fails, that worker tries again after a
// back-off; once every worker's last attempt failed, the tasks waiting
// fail with an error that wraps init's ([ErrInit]).
func Init[A any](init func(ctx context.Context, arg A) error, arg A) Option {
	return optionFunc(func(c *config) error {
		if init == nil {
			return fmt.Errorf("pool: Init(nil, ...): need a function")
		}
		c.init = func(ctx context.Context) error { return init(ctx, arg) }
		return nil
	})
}

// newConfig applies opts over the defaults and panics naming the first
// invalid option.
func newConfig(opts []Option) config {
	var c config
	option.Apply(pkg, &c, opts, func(o Option, c *config) error { return o.apply(c) })
	if c.workers == 0 {
		c.workers = runtime.GOMAXPROCS(0)
	}
	if !c.queued {
		c.queue = 16 * c.workers
	}
	return c
}
