package procpool_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// Each way a worker can fail to start, or a task can be misused, gets its
// own message; the ones that are not failures work.

func TestSlowInitializerIsNotAStartFailure(t *testing.T) {
	p, _ := newPool(t, initializedTask, procpool.Workers(1), procpool.Init(initTask, "slow"),
		procpool.StartTimeout(100*time.Millisecond), procpool.Liveness(time.Minute))
	v, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err, "an initializer may take longer than the start timeout")
	assert.Equal(t, "slow", v)
	assert.Zero(t, p.Stats().StartFailures)
}

// printEnv, when set, makes this test binary print to stdout while its
// packages initialise, before Main can take stdout over.
const printEnv = "PROCPOOL_TEST_INIT_PRINT"

func init() {
	if os.Getenv(printEnv) != "" {
		fmt.Println("hello from an init function")
	}
}

func TestInitFunctionThatPrintsToStdout(t *testing.T) {
	self := procpool.Command(func(int) *exec.Cmd {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), printEnv+"=1")
		return cmd
	})
	p, stderr := newPool(t, squareTask, procpool.Workers(1), self)
	v, err := p.Submit(bg(), 7).Result(bg())
	require.NoError(t, err, "what a worker prints before Main is not taken for the protocol")
	assert.Equal(t, 49, v)
	eventually(t, 10*time.Second, func() bool { return strings.Contains(stderr.String(), "hello from an init function") },
		"what the worker printed before Main went to the pool's Stderr; it has %q", stderr)
}

var nestedTask = procpool.Register("nested", func(ctx context.Context, x int) (int, error) {
	p := procpool.New(squareTask)
	defer p.Close()
	return p.Submit(ctx, x).Result(ctx)
})

func TestNewInsideATaskSaysSo(t *testing.T) {
	p, _ := newPool(t, nestedTask, procpool.Workers(1))
	_, err := p.Submit(bg(), 3).Result(bg())
	var pe *pool.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, err.Error(), "New called inside a worker process, from a task or an initializer")
	assert.NotContains(t, err.Error(), "does main call", "Main was called; the hint would mislead")
}

var initializedLenTask = procpool.Register("initialized-len", func(ctx context.Context, x int) (int, error) {
	return len(initialized), nil
})

func TestSmallMaxMessageStillStartsWorkers(t *testing.T) {
	p, _ := newPool(t, initializedLenTask, procpool.Workers(1), procpool.MaxMessage(1024),
		procpool.Init(initTask, strings.Repeat("m", 4096)))
	v, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err, "the handshake is not bound by MaxMessage")
	assert.Equal(t, 4096, v, "the initializer got its whole argument")
}

var environTask = procpool.Register("environ", func(ctx context.Context, x int) ([]string, error) {
	out, err := exec.Command("env").Output()
	env := strings.Split(strings.TrimSpace(string(out)), "\n")
	sort.Strings(env)
	return env, err
})

func TestProgramsATaskStartsSeeTheUsersEnvironment(t *testing.T) {
	p, _ := newPool(t, environTask, procpool.Workers(2))
	got, err := p.Submit(bg(), 0).Result(bg())
	require.NoError(t, err)
	want := os.Environ()
	sort.Strings(want)
	assert.Equal(t, want, got, "nothing the pool set for its workers (marker, GORACE, GOMAXPROCS) reaches what a task starts")
}

func TestTestBinaryWithoutTestMain(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command to build the test program")
	}
	bin := filepath.Join(t.TempDir(), "notestmain.test")
	out, err := exec.Command(gobin, "test", "-c", "-o", bin, "./testdata/notestmain").CombinedOutput()
	require.NoError(t, err, "building testdata/notestmain: %s", out)
	ran := filepath.Join(t.TempDir(), "ran")
	cmd := exec.Command(bin, "-test.v")
	cmd.Env = append(os.Environ(), "NOTESTMAIN_RAN="+ran)
	out, err = cmd.CombinedOutput()
	require.Error(t, err, "the test that uses procpool fails: %s", out)
	assert.Contains(t, string(out), "func TestMain(m *testing.M) {", "the error shows the TestMain to add")
	assert.Contains(t, string(out), "procpool.Main()")
	runs, err := os.ReadFile(ran)
	require.NoError(t, err)
	assert.Equal(t, "TestSideEffect\n", string(runs), "the user's tests ran once, in the test process only, not in workers")
}
