package procpool_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/internal/testenv"
	"github.com/poolkit/poolkit/procpool"
)

// syncBuffer is a bytes.Buffer safe for the pool's stderr forwarding.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newPool returns a pool for t whose workers' stderr goes to the returned
// buffer. When the test ends it closes the pool and, once the last pool
// newPool made for the test is closed, checks that no child process of
// the test is left.
func newPool[In, Out any](t *testing.T, task *procpool.Task[In, Out], opts ...procpool.Option) (*procpool.Pool[In, Out], *syncBuffer) {
	t.Helper()
	stderr := &syncBuffer{}
	p := procpool.New(task, append([]procpool.Option{procpool.Stderr(stderr)}, opts...)...)
	openPools.Lock()
	openPools.n[t]++
	openPools.Unlock()
	t.Cleanup(func() {
		require.NoError(t, p.Close())
		openPools.Lock()
		openPools.n[t]--
		last := openPools.n[t] == 0
		if last {
			delete(openPools.n, t)
		}
		openPools.Unlock()
		if last {
			assertNoChildren(t)
		}
	})
	return p, stderr
}

// openPools counts the pools of each test that newPool made and that are
// not closed yet: the last one closed checks that no process is left.
var openPools = struct {
	sync.Mutex
	n map[*testing.T]int
}{n: make(map[*testing.T]int)}

// daemons are the launchers internal/testenv starts as children of the
// test; they are not the pool's.
var daemons = map[string]bool{"sshd": true, "munged": true, "slurmctld": true, "slurmd": true}

// children returns the pids of this process's children, but for the
// testenv daemons.
func children(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	var kids []int
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := testenv.ProcStat(pid); ok && st.PPID == self && !daemons[st.Comm] {
			kids = append(kids, pid)
		}
	}
	return kids
}

// parentOf returns the parent pid of pid from /proc.
func parentOf(pid int) (int, bool) {
	st, ok := testenv.ProcStat(pid)
	return st.PPID, ok
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	st, ok := testenv.ProcStat(pid)
	return ok && st.State != "Z"
}

// assertNoChildren checks that the test has no child process left, not
// even a zombie.
func assertNoChildren(t *testing.T) {
	t.Helper()
	assert.Empty(t, children(t), "child processes left after the pool closed")
}

// eventually waits up to d for cond, failing the test with msg if it never
// holds.
func eventually(t *testing.T, d time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	require.Eventually(t, cond, d, time.Millisecond, fmt.Sprintf(msg, args...))
}

func bg() context.Context { return context.Background() }

func ints(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// cannotRun skips a test that this machine cannot run, saying why, or
// fails it when CI=true: CI must never pass by skipping.
func cannotRun(t *testing.T, what, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s must run in CI: %s", what, why)
	}
	t.Skip(why)
}
