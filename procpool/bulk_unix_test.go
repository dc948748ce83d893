//go:build unix

package procpool_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

func TestWorkerKilledWhileALargeInputIsWritten(t *testing.T) {
	p, _ := newPool(t, bulkEchoTask, procpool.Workers(1))
	_, err := p.Submit(bg(), []byte("warm")).Result(bg())
	require.NoError(t, err)
	pid := p.Stats().Procs[0].PID
	require.NotZero(t, pid)

	// A stopped worker reads nothing: the write of an input many times a
	// pipe's size stops part way, until the kill breaks the pipe.
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	submitted := make(chan error, 1)
	go func() {
		_, err := p.Submit(bg(), pattern(32<<20)).Result(bg())
		submitted <- err
	}()
	eventuallyRunning(t, p, 1)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))

	err = <-submitted
	require.ErrorIs(t, err, procpool.ErrWorkerDied)
	var we *procpool.WorkerError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, pid, we.PID)
	out, err := p.Submit(bg(), pattern(1<<20)).Result(bg())
	require.NoError(t, err, "the worker is replaced")
	assert.Equal(t, pattern(1<<20), out)
	st := p.Stats()
	assert.Equal(t, uint64(1), st.Died)
	assert.Equal(t, uint64(1), st.Failed, "the input settled once")
}

// eventuallyRunning waits until n inputs of p have started.
func eventuallyRunning[In, Out any](t *testing.T, p *procpool.Pool[In, Out], n int) {
	t.Helper()
	eventually(t, 10*time.Second, func() bool { return p.Stats().Running == n }, "never %d running: %+v", n, p.Stats())
}
