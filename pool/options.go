package pool

import (
	"fmt"
	"runtime"
	"time"
)

// Option configures a Pool. Options are validated by [New], which panics
// with a message naming the option if one is invalid.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is what the options set. Zero fields mean "use the default".
type config struct {
	workers int
	queue   int
	queued  bool // queue was set, so 0 means "no buffer"
	timeout time.Duration
}

// Workers sets how many tasks run at once. The default is the number of CPUs
// the process may use (runtime.GOMAXPROCS(0)). n must be at least 1.
func Workers(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("pool: Workers(%d): need at least 1 worker", n)
		}
		c.workers = n
		return nil
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
		return nil
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

// newConfig applies opts over the defaults and panics naming the first
// invalid option.
func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o == nil {
			panic("pool: New: nil Option")
		}
		if err := o.apply(&c); err != nil {
			panic(err.Error())
		}
	}
	if c.workers == 0 {
		c.workers = runtime.GOMAXPROCS(0)
	}
	if !c.queued {
		c.queue = 16 * c.workers
	}
	return c
}
