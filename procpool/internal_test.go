package procpool

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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

	launched := newConfig([]Option{Launch(3, SSH("h", "w"))})
	assert.Zero(t, launched.workers, "with Launch and no Workers, no local workers")
	assert.Equal(t, 3, launched.total())
	assert.Equal(t, 48, launched.queue)
}

func TestSSHCommandLine(t *testing.T) {
	cmd := SSH("node1", "/opt/app/worker", "-p", "2222")(0)
	assert.Equal(t, []string{"ssh", "-p", "2222", "-o", "BatchMode=yes", "node1", "env", "POOLKIT_WORKER=1", "/opt/app/worker"}, cmd.Args)
}

func TestStderrLogPrefixesCutsAndKeepsTheTail(t *testing.T) {
	var out bytes.Buffer
	l := newStderrLog(&out, &sync.Mutex{}, 7)
	for i := range tailLines + 5 {
		_, _ = l.Write([]byte(strings.Repeat("x", i) + "\n"))
	}
	_, _ = l.Write(bytes.Repeat([]byte("y"), 70<<10)) // a line with no end, over 64 KiB
	_, _ = l.Write([]byte("unfinished"))
	l.close()

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	assert.Len(t, lines, tailLines+5+2, "every line is forwarded; the long one is cut")
	assert.Equal(t, "[procpool pid 7] ", lines[0], "each line carries the worker's pid")
	assert.Len(t, lines[tailLines+5], len("[procpool pid 7] ")+70<<10, "a line without an end is forwarded once over 64 KiB")
	assert.Equal(t, "[procpool pid 7] unfinished", lines[len(lines)-1], "close forwards an unfinished last line")
	tail := l.lastLines()
	assert.Len(t, tail, tailLines, "only the last lines are kept for errors")
	assert.Equal(t, "unfinished", tail[len(tail)-1])

	l.setOrigin(9, "node1")
	_, _ = l.Write([]byte("remote\n"))
	assert.True(t, strings.HasSuffix(out.String(), "[procpool pid 9 on node1] remote\n"), "a worker on another host names it")
}

func TestWorkerEnv(t *testing.T) {
	local := workerEnv([]string{"A=1"}, 2, true)
	assert.Contains(t, local, "POOLKIT_WORKER=1")
	assert.Contains(t, local, "GORACE=atexit_sleep_ms=0")
	assert.Contains(t, local, "GOMAXPROCS="+strconv.Itoa(max(1, runtime.NumCPU()/2)))

	own := workerEnv([]string{"GOMAXPROCS=7", "GORACE=halt_on_error=1"}, 2, true)
	assert.Equal(t, []string{"GOMAXPROCS=7", "GORACE=halt_on_error=1", "POOLKIT_WORKER=1"}, own, "settings of the caller's are kept")

	remote := workerEnv([]string{"A=1"}, 2, false)
	assert.Equal(t, []string{"A=1", "POOLKIT_WORKER=1"}, remote, "a launched worker gets only the marker")
}
