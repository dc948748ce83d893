package procpool

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The promises of the docs that only the package itself can check.

func TestDefaults(t *testing.T) {
	c := newConfig(nil)
	assert.Equal(t, runtime.GOMAXPROCS(0), c.workers, "Workers: the CPUs the parent may use")
	assert.Equal(t, 16*c.workers, c.queue, "QueueSize: 16 per worker")
	assert.Equal(t, 16, c.inFlight)
	assert.Equal(t, 3, c.poisonAfter)
	assert.Equal(t, time.Second, c.killGrace)
	assert.Equal(t, 10*time.Second, c.startTimeout)
	assert.Equal(t, 256<<20, c.maxMessage)
	assert.Equal(t, 10*time.Second, c.liveness)

	launched := newConfig([]Option{Launch(3, SSH("h", "w"))})
	assert.Zero(t, launched.workers, "with Launch and no Workers, no local workers")
	assert.Equal(t, 3, launched.total())
	assert.Equal(t, 48, launched.queue)
}

func TestSSHCommandLine(t *testing.T) {
	cmd := SSH("node1", "/opt/app/worker", "-p", "2222")(0)
	require.NoError(t, cmd.Err)
	assert.Equal(t, []string{"ssh", "-p", "2222", "-o", "BatchMode=yes", "--", "node1", "env POOLKIT_WORKER=1 '/opt/app/worker'"}, cmd.Args)

	cmd = SSHEnv("node1", []string{"GOMEMLIMIT=4GiB", "NOTE=it's $HOME; rm -rf /"}, "/opt/my app/worker")(0)
	require.NoError(t, cmd.Err)
	assert.Equal(t, `env POOLKIT_WORKER=1 'GOMEMLIMIT=4GiB' 'NOTE=it'\''s $HOME; rm -rf /' '/opt/my app/worker'`, cmd.Args[len(cmd.Args)-1],
		"environment values and paths are quoted for the remote shell")
}

func TestSSHRefusesArgumentsThatAreNotData(t *testing.T) {
	for _, bad := range []struct{ host, program string }{
		{"-oProxyCommand=touch /tmp/pwned", "/w"},
		{"node1 -oProxyCommand=x", "/w"},
		{"node1\n", "/w"},
		{"", "/w"},
		{"node1", ""},
	} {
		cmd := SSH(bad.host, bad.program)(0)
		assert.Error(t, cmd.Err, "host %q, program %q", bad.host, bad.program)
		assert.Error(t, cmd.Start(), "a refused command never starts")
	}
	assert.Error(t, SSHEnv("node1", []string{"A B=1"}, "/w")(0).Err, "a variable name with a space")
	assert.Error(t, SSHEnv("node1", []string{"PATH"}, "/w")(0).Err, "a variable without a value")
}

func TestStderrLogPrefixesCutsAndKeepsTheTail(t *testing.T) {
	var out bytes.Buffer
	fw := newForwarder(&out)
	l := newStderrLog(fw)
	l.setOrigin(7, "")
	w := l.writer()
	for i := range tailLines + 5 {
		_, _ = w.Write([]byte(strings.Repeat("x", i) + "\n"))
	}
	_, _ = w.Write(bytes.Repeat([]byte("y"), 70<<10)) // a line with no end, over 64 KiB
	_, _ = w.Write([]byte("unfinished"))
	w.(*lineSplitter).flush()
	l.setOrigin(9, "node1")
	_, _ = w.Write([]byte("remote\n"))
	fw.close(time.Minute)

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	assert.Len(t, lines, tailLines+5+3, "every line is forwarded; the long one is cut")
	assert.Equal(t, "[procpool pid 7] ", lines[0], "each line carries the worker's pid")
	assert.Len(t, lines[tailLines+5], len("[procpool pid 7] ")+70<<10, "a line without an end is forwarded once over 64 KiB")
	assert.Equal(t, "[procpool pid 7] unfinished", lines[len(lines)-2], "flush forwards an unfinished last line")
	assert.Equal(t, "[procpool pid 9 on node1] remote", lines[len(lines)-1], "a worker on another host names it")
	tail := l.lastLines()
	assert.Len(t, tail, tailLines, "only the last lines are kept for errors")
	assert.Equal(t, "remote", tail[len(tail)-1])
}

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct{ release chan struct{} }

func (b blockingWriter) Write(p []byte) (int, error) {
	<-b.release
	return len(p), nil
}

func TestForwarderDropsWhatABlockedWriterCannotTake(t *testing.T) {
	bw := blockingWriter{release: make(chan struct{})}
	fw := newForwarder(bw)
	for range forwarderQueue + 100 {
		fw.send("line\n") // never blocks
	}
	assert.GreaterOrEqual(t, fw.dropped.Load(), uint64(99), "lines past the queue are dropped and counted")
	fw.close(10 * time.Millisecond) // returns although the writer is blocked
	close(bw.release)
	<-fw.done
}

func TestWorkerEnv(t *testing.T) {
	local := workerEnv([]string{"A=1"}, true)
	assert.Equal(t, []string{"A=1", "POOLKIT_WORKER=1", "GORACE=atexit_sleep_ms=0", "POOLKIT_UNSET=GORACE"}, local,
		"the marker, and GORACE with a note to take it out again")

	own := workerEnv([]string{"GORACE=halt_on_error=1"}, true)
	assert.Equal(t, []string{"GORACE=halt_on_error=1", "POOLKIT_WORKER=1"}, own, "settings of the caller's are kept")

	remote := workerEnv([]string{"A=1"}, false)
	assert.Equal(t, []string{"A=1", "POOLKIT_WORKER=1"}, remote, "a launched worker gets only the marker")
	assert.Equal(t, max(1, runtime.GOMAXPROCS(0)/2), cpuShare(2), "two local workers share the CPUs the parent may use")
	assert.Equal(t, 1, cpuShare(1000), "at least one each")
}

// A worker reads the clock once per stride of quick inputs, and after
// every input again once they turn slow, so partial results still go out
// about every partialEvery.
func TestClockStrideReadsLessForQuickInputsAndCatchesUpWhenSlow(t *testing.T) {
	now := time.Unix(0, 0)
	reads := 0
	clock := func() time.Time { reads++; return now }
	var c clockStride
	from := now
	quick := partialEvery / 1000
	for range 10_000 {
		now = now.Add(quick)
		if c.due(from, partialEvery, clock) {
			from = now
		}
	}
	assert.Equal(t, maxStride, c.stride, "quick inputs: the stride grows to its cap")
	assert.Less(t, reads, 10_000/maxStride*2, "quick inputs: the clock is read about once per stride")

	// The inputs turn slow: at most a stride of them passes unread, and
	// then every slow input is due.
	late := 0
	for !c.due(from, partialEvery, clock) {
		now = now.Add(partialEvery)
		late++
	}
	assert.LessOrEqual(t, late, maxStride, "slow inputs are noticed within one stride")
	from = now
	now = now.Add(partialEvery)
	assert.True(t, c.due(from, partialEvery, clock), "once slow, the next input reads the clock and is due")
	assert.Equal(t, 1, c.stride)
}
