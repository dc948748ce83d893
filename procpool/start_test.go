package procpool_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

// startError submits one input to a pool whose workers cannot start and
// returns its error. The pool has one local worker unless opts launch
// workers elsewhere. Its start timeout is a minute unless opts set one:
// an error that comes well before the timeout shows the pool did not wait
// for it.
func startError[In, Out any](t *testing.T, task *procpool.Task[In, Out], in In, opts ...procpool.Option) error {
	t.Helper()
	p, _ := newPool(t, task, append([]procpool.Option{procpool.StartTimeout(time.Minute)}, opts...)...)
	if len(p.Stats().Procs) != 1 {
		t.Fatalf("startError needs a pool of one worker, not %d", len(p.Stats().Procs))
	}
	start := time.Now()
	_, err := p.Submit(bg(), in).Result(bg())
	assert.Less(t, time.Since(start), 30*time.Second, "the error waited for the start timeout")
	require.ErrorIs(t, err, procpool.ErrStart)
	return err
}

func command(name string, args ...string) procpool.Option {
	return procpool.Command(func(int) *exec.Cmd { return exec.Command(name, args...) })
}

func TestWorkerThatExitsBeforeHandshake(t *testing.T) {
	err := startError(t, squareTask, 1, procpool.Workers(1), command("/bin/sh", "-c", "echo no luck >&2; exit 7"))
	assert.Contains(t, err.Error(), "worker never completed the handshake (it exited first); does main call procpool.Main()?")
	assert.Contains(t, err.Error(), "exit status 7")
	assert.Contains(t, err.Error(), "no luck", "the error shows the worker's stderr")
}

func TestWorkerThatPrintsGarbage(t *testing.T) {
	err := startError(t, squareTask, 1, procpool.Workers(1), command("/bin/sh", "-c", "echo hello world"))
	assert.Contains(t, err.Error(), `read "hello world\n"`, "the error quotes what was read")
	assert.Contains(t, err.Error(), "does main call procpool.Main()?")
}

func TestWorkerThatNeverAnswers(t *testing.T) {
	err := startError(t, squareTask, 1, procpool.Workers(1), command("sleep", "30"), procpool.StartTimeout(100*time.Millisecond))
	assert.Contains(t, err.Error(), "no answer within the 100ms start timeout")
}

// onlyHereTask is registered in the procpool tests and nowhere else.
var onlyHereTask = procpool.Register("only-here", func(ctx context.Context, x int) (int, error) { return x, nil })

func TestTaskUnknownToTheWorker(t *testing.T) {
	err := startError(t, onlyHereTask, 1, procpool.Workers(1), command(buildTestProgram(t, "skew")))
	assert.Contains(t, err.Error(), `task "only-here" is not registered in the worker`)
	assert.Contains(t, err.Error(), "which has square", "the error lists the tasks the worker has")
}

func TestRegisterAfterStartIsRefused(t *testing.T) {
	fn := func(ctx context.Context, x int) (int, error) { return x, nil }
	assert.Regexp(t, `^procpool: Register\("too-late"\) at procpool/start_test.go:\d+: called after the program started; call it in a package-level var declaration`,
		panicValue(func() { procpool.Register("too-late", fn) }))
	assert.Regexp(t, `^procpool: RegisterError at procpool/start_test.go:\d+: called after the program started`,
		panicValue(func() { procpool.RegisterError(errors.New("too late")) }))
}

// buildTestProgram builds testdata/<name>, with go build's flags if any,
// and returns the binary's path.
func buildTestProgram(t *testing.T, name string, flags ...string) string {
	t.Helper()
	return buildTestProgramFor(t, runtime.GOARCH, name, flags...)
}

// buildTestProgramFor builds testdata/<name> for the architecture goarch.
func buildTestProgramFor(t *testing.T, goarch, name string, flags ...string) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command to build the test program")
	}
	bin := filepath.Join(t.TempDir(), name)
	args := append(append([]string{"build", "-o", bin}, flags...), "./testdata/"+name)
	build := exec.Command(gobin, args...)
	build.Env = append(os.Environ(), "GOARCH="+goarch)
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building testdata/%s: %s", name, out)
	return bin
}

func TestBinaryWithoutMain(t *testing.T) {
	run := exec.Command(buildTestProgram(t, "nomain"))
	out, err := run.CombinedOutput()
	assert.Error(t, err, "the program reports the failure and exits")
	assert.Contains(t, string(out), "does main call procpool.Main()?")
	assert.Contains(t, string(out), "procpool: New called in a worker process", "the worker refuses to start a pool of its own")
}

func TestWorkerBuiltFromOtherCode(t *testing.T) {
	err := startError(t, squareTask, 1, procpool.Workers(1), command(buildTestProgram(t, "skew")))
	assert.Contains(t, err.Error(), `task "square" differs between parent and worker`)
	assert.Contains(t, err.Error(), "has int -> int #", "the error names the parent's side")
	assert.Contains(t, err.Error(), "has string -> int #", "and the worker's")
}

func TestWorkerOfAnotherProtocolVersion(t *testing.T) {
	err := startError(t, squareTask, 1, procpool.Workers(1), command("/bin/sh", "-c", "printf 'POOLKIT 99\\n'; sleep 5"))
	assert.Contains(t, err.Error(), "worker speaks protocol version 99, parent speaks 2")
}

// A worker of another architecture gets numbers in a form of their own,
// not as the parent's memory: between workers of the parent's kind, a
// batch of 64 ints goes as one raw frame of the slice, whose 8-byte ints a
// 386 worker would misread.
func TestWorkerOfAnotherArchitecture(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("needs a 386 worker beside amd64 Linux, not %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	bin := buildTestProgramFor(t, "386", "arch")
	if out, err := exec.Command(bin).CombinedOutput(); err != nil {
		cannotRun(t, "the test of a worker of another architecture", fmt.Sprintf("this kernel does not run 386 programs: %v: %s", err, out))
	}
	t.Run("numbers", func(t *testing.T) {
		p, _ := newPool(t, squareTask, procpool.Workers(1), procpool.BatchSize(64), command(bin))
		in := make([]int, 200)
		for i := range in {
			in[i] = 46340 - i // squares that fit the worker's 32-bit int
		}
		out, err := p.Map(bg(), in)
		require.NoError(t, err)
		for i, x := range in {
			require.Equal(t, x*x, out[i], "input %d", i)
		}
	})
	t.Run("large values", func(t *testing.T) {
		p, _ := newPool(t, bulkEchoTask, procpool.Workers(1), command(bin))
		in := [][]byte{pattern(1 << 20), pattern(64 << 10), pattern(3 << 20)}
		out, err := p.Map(bg(), in)
		require.NoError(t, err)
		for i := range in {
			require.True(t, bytes.Equal(in[i], out[i]), "large value %d", i)
		}
	})
}

func TestNewInWorkerProcessPanics(t *testing.T) {
	t.Setenv("POOLKIT_WORKER", "1")
	assert.PanicsWithValue(t,
		"procpool: New called in a worker process (POOLKIT_WORKER is set) before procpool.Main ran: call procpool.Main() as the first statement of main, and of TestMain in tests",
		func() { procpool.New(squareTask) })
}

func TestInitializerRunsOncePerWorker(t *testing.T) {
	p, _ := newPool(t, initializedTask, procpool.Workers(2), procpool.Init(initTask, "model v2"))
	outs, err := p.Map(bg(), ints(10))
	require.NoError(t, err)
	for _, v := range outs {
		assert.Equal(t, "model v2", v)
	}
}

func TestInitializerFailureIsReported(t *testing.T) {
	err := startError(t, initializedTask, 1, procpool.Workers(1), procpool.Init(initTask, "fail"))
	assert.Contains(t, err.Error(), `initializer "init" failed: cannot load the model`)
}
