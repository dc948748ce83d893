package procpool_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/poolkit/poolkit/procpool"
)

func TestMain(m *testing.M) {
	procpool.Main()
	if os.Getenv(helperEnv) == "echo" {
		echo() // the bare-pipe floor of the benchmarks
		return
	}
	goleak.VerifyTestMain(m)
}

var errBoom = errors.New("boom")

// echo copies stdin to stdout, write for read, until stdin ends.
func echo() {
	buf := make([]byte, 64<<10)
	for {
		n, err := os.Stdin.Read(buf)
		if n > 0 {
			if _, err := os.Stdout.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

var (
	squareTask = procpool.Register("square", func(ctx context.Context, x int) (int, error) {
		return x * x, nil
	})
	failTask = procpool.Register("fail", func(ctx context.Context, x int) (int, error) {
		if x%2 == 1 {
			return 0, fmt.Errorf("odd input %d: %w", x, errBoom)
		}
		return x, nil
	})
	pidTask = procpool.Register("pid", func(ctx context.Context, x int) (int, error) {
		return os.Getpid(), nil
	})
)

var gomaxprocsTask = procpool.Register("gomaxprocs", func(ctx context.Context, x int) (int, error) {
	return runtime.GOMAXPROCS(0), nil
})

// Tasks for the failure tests. Each behaves by its input.
var (
	exitTask = procpool.Register("exit", func(ctx context.Context, code int) (int, error) {
		if code != 0 {
			fmt.Fprintf(os.Stderr, "about to exit with %d\n", code)
			os.Exit(code)
		}
		return 0, nil
	})
	panicTask = procpool.Register("panic", func(ctx context.Context, x int) (int, error) {
		if x < 0 {
			panic(fmt.Sprintf("negative input %d", x))
		}
		return x, nil
	})
	// blockTask blocks until its context ends (x == 0) or for ever,
	// ignoring it (x == 1); first it reports its pid on stderr.
	blockTask = procpool.Register("block", func(ctx context.Context, x int) (int, error) {
		fmt.Fprintf(os.Stderr, "running pid=%d\n", os.Getpid())
		if x == 1 {
			select {}
		}
		<-ctx.Done()
		return 0, ctx.Err()
	})
	goroutinePanicTask = procpool.Register("goroutine-panic", func(ctx context.Context, x int) (int, error) {
		if x != 0 {
			go func() {
				var p *int
				_ = *p // a nil dereference in a goroutine the task started
			}()
			select {}
		}
		return x, nil
	})
)

var (
	// strayTask prints to stdout through fmt, the log package and a raw
	// write to fd 1, then returns its input.
	strayTask = procpool.Register("stray", func(ctx context.Context, x int) (int, error) {
		fmt.Println("stray fmt.Println", x)
		log.New(os.Stdout, "", 0).Printf("stray log line %d", x)
		_, _ = syscall.Write(1, []byte("stray raw write to fd 1\n"))
		return x, nil
	})
	echoTask = procpool.Register("echo", func(ctx context.Context, b []byte) ([]byte, error) {
		return b, nil
	})
	// chanTask takes inputs that gob cannot always encode.
	chanTask = procpool.Register("any", func(ctx context.Context, v any) (int, error) {
		return 1, nil
	})
	// crashOnTask exits when it gets 13, whatever the attempt.
	crashOnTask = procpool.Register("crash-on-13", func(ctx context.Context, x int) (int, error) {
		if x == 13 {
			os.Exit(13)
		}
		return x, nil
	})
)

// initialized is set in a worker by initTask.
var initialized string

var (
	initTask = procpool.RegisterInit("init", func(ctx context.Context, arg string) error {
		switch arg {
		case "fail":
			return errors.New("cannot load the model")
		case "sleep":
			time.Sleep(time.Minute)
		case "slow":
			time.Sleep(300 * time.Millisecond) // longer than the start timeout of the test that uses it
		}
		initialized = arg
		return nil
	})
	initializedTask = procpool.Register("initialized", func(ctx context.Context, x int) (string, error) {
		return initialized, nil
	})
)

var (
	// leakTask keeps x MiB for as long as the worker lives.
	leakTask = procpool.Register("leak", func(ctx context.Context, x int) (int, error) {
		b := make([]byte, x<<20)
		for i := range b {
			b[i] = 1
		}
		leaked = append(leaked, b)
		return os.Getpid(), nil
	})
	leaked [][]byte
)

// fragile is a value that refuses to be decoded when it starts with 'X'.
type fragile []byte

func (f fragile) GobEncode() ([]byte, error) { return []byte(f), nil }

func (f *fragile) GobDecode(b []byte) error {
	if len(b) > 0 && b[0] == 'X' {
		return errors.New("fragile: refusing to decode")
	}
	*f = append((*f)[:0], b...)
	return nil
}

var (
	// fragileOutTask returns a value the parent cannot decode for input 7.
	fragileOutTask = procpool.Register("fragile-out", func(ctx context.Context, x int) (fragile, error) {
		if x == 7 {
			return fragile("X"), nil
		}
		return fragile("ok"), nil
	})
	// fragileInTask takes values; the worker cannot decode those that
	// start with 'X'. "slow" takes a while.
	fragileInTask = procpool.Register("fragile-in", func(ctx context.Context, in fragile) (string, error) {
		if string(in) == "slow" {
			time.Sleep(20 * time.Millisecond)
		}
		return string(in), nil
	})
	// slowPidTask takes 50ms and returns its worker's pid.
	slowPidTask = procpool.Register("slow-pid", func(ctx context.Context, x int) (int, error) {
		time.Sleep(50 * time.Millisecond)
		return os.Getpid(), nil
	})
	// orphanTask starts a long sleep that shares the worker's stderr.
	orphanTask = procpool.Register("orphan", func(ctx context.Context, x int) (int, error) {
		cmd := exec.Command("sleep", "60")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		return cmd.Process.Pid, nil
	})
)

var (
	// markerTask reports the worker marker as the task and a program it
	// starts see it.
	markerTask = procpool.Register("marker", func(ctx context.Context, x int) (string, error) {
		out, err := exec.Command("sh", "-c", `echo "[$POOLKIT_WORKER]"`).Output()
		return fmt.Sprintf("[%s] %s", os.Getenv("POOLKIT_WORKER"), strings.TrimSpace(string(out))), err
	})
	// bigTask returns x bytes.
	bigTask = procpool.Register("big", func(ctx context.Context, x int) ([]byte, error) {
		return make([]byte, x), nil
	})
)
