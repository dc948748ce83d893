package procpool

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"github.com/poolkit/poolkit/internal/option"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"time"
)

// Option configures a Pool. Options are validated by [New], which panics
// with a message naming the option if one is invalid.
type Option interface {
	apply(*config) error
}

// pkg names the package in option errors.
const pkg = "procpool"

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// scope is what an option configures where pools share a [Set].
type scope uint8

const (
	processes scope = iota // the worker processes: an option of NewSet
	eachPool               // each pool: an option of New
)

// scoped returns the option f, named name, of scope s.
func scoped(s scope, name string, f func(*config) error) Option {
	return optionFunc(func(c *config) error {
		if s == processes {
			c.procOpts = append(c.procOpts, name)
		} else {
			c.poolOpts = append(c.poolOpts, name)
		}
		return f(c)
	})
}

// config is what the options set.
type config struct {
	workers      int // local workers
	workersSet   bool
	command      func(slot int) *exec.Cmd
	groups       []group // workers started through Launch
	queue        int
	queueSet     bool
	inFlight     int
	stderr       io.Writer
	logger       *slog.Logger
	retries      int
	poisonAfter  int
	killGrace    time.Duration
	timeout      time.Duration
	recycleAfter uint64
	maxRSS       uint64
	initName     string
	initArg      []byte
	prestart     bool
	startTimeout time.Duration
	maxMessage   int
	liveness     time.Duration
	batch        int      // inputs per batch of Map and MapSeq; 0 to size them from task time
	readAhead    int      // inputs MapSeq may pull and not yet yield; 0 for the default
	set          *Set     // the set of workers the pool runs on; nil for its own
	procOpts     []string // the options given of scope processes
	poolOpts     []string // the options given of scope eachPool
}

// group is a set of workers started the same way.
type group struct {
	n     int
	build func(i int) *exec.Cmd
}

// total returns how many workers the pool runs.
func (c *config) total() int {
	n := c.workers
	for _, g := range c.groups {
		n += g.n
	}
	return n
}

func defaults() config {
	return config{
		workers:      runtime.GOMAXPROCS(0),
		inFlight:     16,
		stderr:       os.Stderr,
		logger:       slog.New(slog.DiscardHandler),
		poisonAfter:  3,
		killGrace:    time.Second,
		startTimeout: 10 * time.Second,
		maxMessage:   256 << 20,
		liveness:     10 * time.Second,
	}
}

// Limits on option values: beyond them a value is a mistake, and would
// otherwise fail later and less clearly (a queue the runtime cannot
// allocate, a message gob refuses).
const (
	maxWorkers    = 4096
	maxQueue      = 1 << 20
	maxInFlight   = 1024
	maxRetries    = 1000
	minMessage    = 1 << 10
	maxMessageLim = 1 << 30 // gob refuses larger messages
	minLiveness   = 10 * time.Millisecond
	maxBatchSize  = 1 << 20
	maxReadAhead  = 1 << 30
)

// Workers sets how many worker processes run on this machine. The default
// is the number of CPUs the parent may use, or none if [Launch] adds
// workers elsewhere. n must be at least 1.
func Workers(n int) Option {
	return scoped(processes, "Workers", func(c *config) error {
		if n < 1 {
			return fmt.Errorf("procpool: Workers(%d): need at least 1 worker", n)
		}
		c.workers, c.workersSet = n, true
		return option.Within(pkg, "Workers", n, 1, maxWorkers)
	})
}

// Launch adds n workers started through build, beside the local ones: on
// other hosts with [SSH], in a Slurm allocation with srun, in a Kubernetes
// pod with kubectl exec -i, or through any command that forwards stdin and
// stdout to a worker program. build(i), i from 0 to n-1, returns the
// command for the i-th worker of the group each time it is started or
// replaced; the pool sets its stdio, adds POOLKIT_WORKER=1 to its local
// environment (launchers that do not forward the environment must set it
// on the remote side, as SSH does), and kills the command's process group
// to stop it. The remote worker exits when its stdin closes, so ending the
// launcher ends it. Launch may be given more than once; with Launch and no
// [Workers], the pool runs no local workers.
func Launch(n int, build func(i int) *exec.Cmd) Option {
	return scoped(processes, "Launch", func(c *config) error {
		switch {
		case n < 1:
			return fmt.Errorf("procpool: Launch(%d, ...): need at least 1 worker", n)
		case n > maxWorkers:
			return fmt.Errorf("procpool: Launch(%d, ...): at most %d workers", n, maxWorkers)
		case build == nil:
			return fmt.Errorf("procpool: Launch(%d, nil): need a function", n)
		}
		c.groups = append(c.groups, group{n: n, build: build})
		return nil
	})
}

// Command sets how worker processes are started: build returns the command
// for worker slot (0 to Workers-1) each time that worker is started or
// replaced. The command must run a program that calls [Main] with
// POOLKIT_WORKER=1 in its environment (the pool adds it to cmd.Env), or
// any program that speaks the same protocol over its stdin and stdout; a
// launcher such as ssh or srun in front of one works too. The pool sets the
// command's stdin, stdout, stderr and process attributes. By default the
// worker is the running executable itself.
func Command(build func(slot int) *exec.Cmd) Option {
	return scoped(processes, "Command", func(c *config) error {
		if build == nil {
			return fmt.Errorf("procpool: Command(nil): need a function")
		}
		c.command = build
		return nil
	})
}

// QueueSize sets how many submitted inputs may wait for a worker before
// Submit blocks. The default is 16 per worker. n must not be negative.
func QueueSize(n int) Option {
	return scoped(eachPool, "QueueSize", func(c *config) error {
		c.queue, c.queueSet = n, true
		return option.Within(pkg, "QueueSize", n, 0, maxQueue)
	})
}

// InFlight sets how many requests may be sent to one worker before it has
// answered the first, to hide the round trip of the pipe. A worker runs
// them one at a time in order; the ones not yet started are moved to
// another worker if it dies. The pool picks the depth from measured task
// time up to n: one request at a time for slow tasks, so none waits behind
// another on a busy worker while another worker is idle. The default is
// 16; n must be at least 1.
func InFlight(n int) Option {
	return scoped(eachPool, "InFlight", func(c *config) error {
		c.inFlight = n
		return option.Within(pkg, "InFlight", n, 1, maxInFlight)
	})
}

// Stderr sets where the workers' stderr goes, line by line, each line
// prefixed with "[procpool pid N] ". The default is os.Stderr; io.Discard
// drops it (the last lines still go into error messages).
func Stderr(w io.Writer) Option {
	return scoped(processes, "Stderr", func(c *config) error {
		if w == nil {
			return fmt.Errorf("procpool: Stderr(nil): need a writer; use io.Discard to drop the output")
		}
		c.stderr = w
		return nil
	})
}

// Logger sets a logger for worker lifecycle events: spawn, ready, exit,
// kill, recycle and start failures. By default nothing is logged.
func Logger(l *slog.Logger) Option {
	return scoped(processes, "Logger", func(c *config) error {
		if l == nil {
			return fmt.Errorf("procpool: Logger(nil): need a logger")
		}
		c.logger = l
		return nil
	})
}

// Retries lets an input that was running on a worker that died run again
// on another worker, up to n times. Use it only for idempotent tasks: the
// input may have done part of its work before the worker died. The default
// is 0: the input fails with [ErrWorkerDied].
func Retries(n int) Option {
	return scoped(eachPool, "Retries", func(c *config) error {
		c.retries = n
		return option.Within(pkg, "Retries", n, 0, maxRetries)
	})
}

// PoisonAfter fails an input with [ErrPoisonTask] once it has been running
// on k workers that died, instead of retrying it on more. It matters only
// with [Retries]. The default is 3.
func PoisonAfter(k int) Option {
	return scoped(eachPool, "PoisonAfter", func(c *config) error {
		c.poisonAfter = k
		return option.Within(pkg, "PoisonAfter", k, 1, maxRetries)
	})
}

// KillGrace sets how long a cancelled or timed-out input may take to return
// before its worker process group is killed. The default is one second.
func KillGrace(d time.Duration) Option {
	return scoped(eachPool, "KillGrace", func(c *config) error {
		c.killGrace = d
		return option.Positive(pkg, "KillGrace", d)
	})
}

// Timeout limits how long each input may run. When d passes, the task's
// context in the worker is cancelled with context.DeadlineExceeded; if the
// task has not returned after the kill grace, its worker is killed and the
// input fails with an error matching [ErrKilled] and
// context.DeadlineExceeded.
func Timeout(d time.Duration) Option {
	return scoped(eachPool, "Timeout", func(c *config) error {
		c.timeout = d
		return option.Positive(pkg, "Timeout", d)
	})
}

// RecycleAfter replaces a worker after it has run n inputs, to bound the
// effect of slow leaks. The worker counts inputs itself and stops at n,
// even inside a batch; the inputs it did not run go to another worker.
func RecycleAfter(n uint64) Option {
	return scoped(processes, "RecycleAfter", func(c *config) error {
		c.recycleAfter = n
		return option.Positive(pkg, "RecycleAfter", n)
	})
}

// MaxRSS replaces a worker once its resident memory exceeds bytes. The
// worker measures itself after each input (at most once a millisecond, on
// Linux; elsewhere the option has no effect) and stops once over the
// limit, even inside a batch; the inputs it did not run go to another
// worker. An input that allocates more than the limit by itself still
// runs to the end: MaxRSS bounds leaks, not single inputs.
func MaxRSS(bytes uint64) Option {
	return scoped(processes, "MaxRSS", func(c *config) error {
		c.maxRSS = bytes
		return option.Positive(pkg, "MaxRSS", bytes)
	})
}

// Init runs init with arg once in each worker when it starts, before its
// first input, like Python's initializer and initargs: load a model, open a
// file. If it fails, the worker is not used, the error is logged and
// reported to the inputs waiting for a worker, and the pool backs off
// before starting another.
func Init[A any](init *Initializer[A], arg A) Option {
	return scoped(processes, "Init", func(c *config) error {
		if init == nil {
			return fmt.Errorf("procpool: Init(nil, ...): need an initializer from RegisterInit")
		}
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(&arg); err != nil {
			return fmt.Errorf("procpool: Init(%q, ...): cannot encode the argument: %v", init.name, err)
		}
		c.initName, c.initArg = init.name, buf.Bytes()
		return nil
	})
}

// Prestart starts every worker in New instead of when the first inputs
// arrive.
func Prestart() Option {
	return scoped(processes, "Prestart", func(c *config) error {
		c.prestart = true
		return nil
	})
}

// StartTimeout limits how long a worker may take from being started to
// completing the handshake. The default is ten seconds.
func StartTimeout(d time.Duration) Option {
	return scoped(processes, "StartTimeout", func(c *config) error {
		c.startTimeout = d
		return option.Positive(pkg, "StartTimeout", d)
	})
}

// MaxMessage limits the size of one message between the pool and a worker,
// in bytes: a request or reply larger than this fails the inputs it carries
// instead of being sent. The default is 256 MiB.
func MaxMessage(bytes int) Option {
	return scoped(processes, "MaxMessage", func(c *config) error {
		c.maxMessage = bytes
		return option.Within(pkg, "MaxMessage", bytes, minMessage, maxMessageLim)
	})
}

// BatchSize fixes how many inputs of Map and MapSeq go to a worker in one
// message, like the chunksize of Python's map. By default the size follows
// the measured task time, from 1 for slow tasks up to 4096 for tiny ones. n
// must be from 1 to 1048576.
func BatchSize(n int) Option {
	return scoped(eachPool, "BatchSize", func(c *config) error {
		c.batch = n
		return option.Within(pkg, "BatchSize", n, 1, maxBatchSize)
	})
}

// ReadAhead limits how many inputs MapSeq and MapUnordered pull from their
// input and have not yet yielded, like the buffersize of Python's map. The
// default is four batches per worker, at most 4096 inputs each. n must be
// at least 1.
func ReadAhead(n int) Option {
	return scoped(eachPool, "ReadAhead", func(c *config) error {
		c.readAhead = n
		return option.Within(pkg, "ReadAhead", n, 1, maxReadAhead)
	})
}

// Liveness sets how long a worker may go without a sign of life before it
// is taken for dead: a worker sends one every quarter of d, from a
// goroutine of its own, while it runs an input and while it waits. A
// worker that is stopped (SIGSTOP), wedged, or cut off by the network is
// killed and replaced once d passes, and its inputs fail or run again as
// after a crash. The default is ten seconds.
func Liveness(d time.Duration) Option {
	return scoped(processes, "Liveness", func(c *config) error {
		c.liveness = d
		return option.Within(pkg, "Liveness", d, minLiveness, 24*time.Hour)
	})
}

// On runs the pool on the workers of set rather than on workers of its
// own; see [Set]. The settings of the processes then come from the set,
// and New panics if it is also given one of them.
func On(set *Set) Option {
	return optionFunc(func(c *config) error {
		if set == nil {
			return fmt.Errorf("procpool: On(nil): need a Set from NewSet")
		}
		c.set = set
		return nil
	})
}

// onSet returns the config of a pool on c.set: the set's processes, and
// the pool's own settings from c.
func onSet(c config) config {
	if len(c.procOpts) > 0 {
		panic(fmt.Sprintf("procpool: New: %s is a setting of the Set the pool runs on: give it to NewSet", c.procOpts[0]))
	}
	b := c.set.cfg
	b.set, b.procOpts, b.poolOpts = c.set, nil, c.poolOpts
	b.queue, b.queueSet, b.inFlight = c.queue, c.queueSet, c.inFlight
	b.retries, b.poisonAfter, b.killGrace, b.timeout = c.retries, c.poisonAfter, c.killGrace, c.timeout
	b.batch, b.readAhead, b.prestart = c.batch, c.readAhead, false
	if !b.queueSet {
		b.queue = min(16*b.total(), maxQueue)
	}
	return b
}

// newConfig applies opts over the defaults and panics naming the first
// invalid option.
func newConfig(opts []Option) config {
	c := defaults()
	option.Apply(pkg, &c, opts, func(o Option, c *config) error { return o.apply(c) })
	if len(c.groups) > 0 && !c.workersSet {
		c.workers = 0
	}
	if c.total() > maxWorkers {
		panic(fmt.Sprintf("procpool: New: %d workers in all, at most %d", c.total(), maxWorkers))
	}
	if !c.queueSet {
		c.queue = min(16*c.total(), maxQueue)
	}
	return c
}
