package pool_test

import (
	"context"
	"errors"
	"flag"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

var (
	soak     = flag.Duration("soak", 6*time.Second, "how long the soak runs (hours for a long soak)")
	soakSeed = flag.Uint64("seed", 0, "the soak's random seed, to replay a run; 0 picks one, which the test logs")
)

// maxSoakCycles bounds the cycles the soak runs past its duration to see
// every outcome at least once, on a machine too busy to see them all in
// time.
const maxSoakCycles = 2000

// TestSoak runs inputs that return, fail, panic, call runtime.Goexit,
// wait for their ctx past a timeout, while futures are cancelled at random
// and every cycle ends in a Shutdown with a short deadline. Every future
// must settle with an outcome its input explains, the counters must add
// up, and no goroutine may be left (goleak checks at the end).
func TestSoak(t *testing.T) {
	seed := *soakSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(2, seed))
	outcomes := map[string]int{}
	kinds := []string{"ok", "failed", "panicked", "goexit", "timeout", "cancelled"}
	deadline := time.Now().Add(*soak)
	cycles := 0
	for ; (time.Now().Before(deadline) || cycles < 2 || !allSeen(outcomes, kinds)) && cycles < maxSoakCycles; cycles++ {
		soakCycle(t, rng, outcomes)
	}
	t.Logf("%d cycles; outcomes: %v; goroutines now: %d", cycles, outcomes, runtime.NumGoroutine())
	for _, o := range kinds {
		assert.NotZero(t, outcomes[o], "no input ended %s in %d cycles (seed %d)", o, cycles, seed)
	}
}

// allSeen reports whether every kind of outcome occurred.
func allSeen(outcomes map[string]int, kinds []string) bool {
	for _, k := range kinds {
		if outcomes[k] == 0 {
			return false
		}
	}
	return true
}

func soakCycle(t *testing.T, rng *rand.Rand, outcomes map[string]int) {
	p := pool.New(soakTask, pool.Workers(4), pool.QueueSize(8), pool.Timeout(5*time.Millisecond))
	ins := make([]int, 2000)
	fs := make([]*future.Future[int], len(ins))
	for i := range ins {
		ins[i] = rng.IntN(1000)
		fs[i] = p.Submit(context.Background(), ins[i])
		if rng.IntN(20) == 0 {
			fs[rng.IntN(i+1)].Cancel()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.IntN(3))*time.Millisecond)
	defer cancel()
	_ = p.Shutdown(ctx)
	for i, f := range fs {
		require.True(t, f.Settled(), "input %d never settled", i)
		v, err := f.Result(context.Background())
		outcomes[soakOutcome(t, ins[i], v, err)]++
	}
	s := p.Stats()
	require.Equal(t, s.Submitted, s.Completed+s.Failed+s.Cancelled, "counters: %+v", s)
}

// soakTask does by its input: x%10 == 1 fails, 2 panics, 3 calls
// runtime.Goexit, 4 waits for its ctx (the timeout ends it); others
// return x. Every input runs under a 5 ms timeout.
func soakTask(ctx context.Context, x int) (int, error) {
	switch x % 10 {
	case 1:
		return 0, errBoom
	case 2:
		panic(x)
	case 3:
		runtime.Goexit()
	case 4:
		<-ctx.Done()
		return 0, ctx.Err()
	}
	return x, nil
}

func soakOutcome(t *testing.T, x, v int, err error) string {
	t.Helper()
	var pe *pool.PanicError
	switch {
	case err == nil:
		require.NotEqual(t, 4, x%10, "input %d returned although it waits for its ctx", x)
		require.Equal(t, x, v)
		return "ok"
	case errors.Is(err, pool.ErrShutdownCancel):
		return "shutdown"
	case errors.Is(err, context.DeadlineExceeded):
		// Any input may time out on a loaded machine: the timeout starts
		// when the input does, whatever it does then.
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case x%10 == 1 && errors.Is(err, errBoom):
		return "failed"
	case x%10 == 2 && errors.As(err, &pe):
		require.Equal(t, x, pe.Value)
		return "panicked"
	case x%10 == 3 && errors.Is(err, pool.ErrGoexit):
		return "goexit"
	}
	t.Fatalf("input %d: unexplained error %v", x, err)
	return ""
}
