package procpool_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/poolkit/poolkit/procpool"
)

// Requests written while a worker is busy wait in the parent's buffer
// until a reply comes; whatever message comes last before the parent
// would wait (a last reply followed closely by a heartbeat, say), the
// waiting requests must reach the worker. Several callers keep a busy
// worker's queue full while heartbeats come often, so the replies and
// heartbeats interleave in every way; a request left in the buffer hangs
// its caller, which the guard turns into a failure.
func TestRequestsWrittenWhileBusyAlwaysGoOut(t *testing.T) {
	p, _ := newPool(t, waitTask, procpool.Workers(1), procpool.Liveness(20*time.Millisecond), procpool.Retries(5))
	ctx, cancel := context.WithTimeout(bg(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Go(func() {
			for i := range 100 {
				d := time.Duration((c*7+i*3)%20) * 100 * time.Microsecond
				_, err := p.Submit(ctx, d).Result(ctx)
				if !assert.NoError(t, err, "caller %d, input %d: a request left unsent hangs its caller until the guard", c, i) {
					return
				}
			}
		})
	}
	wg.Wait()
}
