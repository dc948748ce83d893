package pool

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDefaults(t *testing.T) {
	c := newConfig(nil)
	assert.Equal(t, runtime.GOMAXPROCS(0), c.workers, "Workers: the CPUs the process may use")
	assert.Equal(t, 16*c.workers, c.queue, "QueueSize: 16 per worker")
	assert.Zero(t, c.timeout, "no Timeout unless asked")
}
