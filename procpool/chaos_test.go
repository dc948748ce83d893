package procpool_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

var (
	soak     = flag.Duration("soak", 12*time.Second, "how long each chaos soak runs (hours for a long soak)")
	soakSeed = flag.Uint64("seed", 0, "the chaos soak's random seed, to replay a run; 0 picks one, which the test logs")
)

// maxSoakCycles bounds the cycles a soak runs past its duration to see
// every outcome at least once, on a machine too busy to see them all in
// time.
const maxSoakCycles = 60

// act is what a chaos input does in the worker.
type act int

const (
	actReturn   act = iota // return the input's id doubled
	actFail                // return an error
	actPanic               // panic
	actExit                // os.Exit
	actGarbage             // write garbage to fd 1, then return
	actStubborn            // ignore its ctx for longer than the timeout
	actAllocate            // allocate and touch 64 MiB, then return
	actKinds
)

type chaosIn struct {
	ID  int
	Act act
}

var chaosTask = procpool.Register("chaos", func(ctx context.Context, in chaosIn) (int, error) {
	switch in.Act {
	case actFail:
		return 0, fmt.Errorf("input %d fails", in.ID)
	case actPanic:
		panic(fmt.Sprintf("input %d panics", in.ID))
	case actExit:
		os.Exit(3)
	case actGarbage:
		_, _ = syscall.Write(1, []byte{0xB7, 0x0C, 0xff, 0xff, 0xff, 0xff, 'g', 'a', 'r', 'b', 'a', 'g', 'e', '\n'})
		fmt.Println("garbage on stdout")
	case actStubborn:
		time.Sleep(time.Second)
	case actAllocate:
		b := make([]byte, 64<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
	}
	return 2 * in.ID, nil
})

// checkChaos checks that one input's outcome is one its act explains.
func checkChaos(t *testing.T, in chaosIn, v int, err error) string {
	t.Helper()
	var pe *pool.PanicError
	var re *procpool.RemoteError
	switch {
	case err == nil:
		require.Equal(t, 2*in.ID, v, "input %d (act %d)", in.ID, in.Act)
		return "ok"
	case errors.Is(err, procpool.ErrPoisonTask):
		return "poison"
	case errors.Is(err, procpool.ErrKilled):
		require.ErrorIs(t, err, context.DeadlineExceeded)
		return "killed"
	case errors.Is(err, procpool.ErrWorkerDied):
		return "died"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case in.Act == actFail && errors.As(err, &re):
		require.Equal(t, fmt.Sprintf("input %d fails", in.ID), err.Error())
		return "failed"
	case in.Act == actPanic && errors.As(err, &pe):
		return "panicked"
	}
	t.Fatalf("input %d (act %d): unexplained error %v", in.ID, in.Act, err)
	return ""
}

// TestChaosSoak runs inputs that fail every way a worker can while workers
// are killed from outside, futures cancelled and workers recycled every
// few inputs, in cycles of a fresh pool each. It checks that every input
// settles once with an outcome its act explains, that the pool still
// serves, and that nothing leaks: processes, fds, goroutines, or the
// parent's memory from cycle to cycle.
func TestChaosSoak(t *testing.T) {
	seed := pickSeed(t, *soakSeed)
	rng := rand.New(rand.NewPCG(1, seed))
	fdsBefore := openFDs(t)
	outcomes := map[string]int{}
	kinds := []string{"ok", "failed", "panicked", "died", "killed", "poison", "cancelled"}
	var rss []uint64
	deadline := time.Now().Add(*soak)
	for cycle := 0; (time.Now().Before(deadline) || cycle < 2 || !allSeen(outcomes, kinds)) && cycle < maxSoakCycles; cycle++ {
		chaosCycle(t, rng, cycle, outcomes)
		rss = append(rss, residentSelf(t))
	}
	t.Logf("%d cycles; outcomes: %v; parent RSS by cycle (MiB): %v", len(rss), outcomes, mib(rss))
	assertNoChildren(t)
	assert.LessOrEqual(t, openFDs(t), fdsBefore, "fds leaked")
	assert.Less(t, rss[len(rss)-1], rss[0]+16<<20, "the parent's RSS grows with the cycles")
	for _, o := range kinds {
		assert.NotZero(t, outcomes[o], "no input ended %s in %d cycles (seed %d): the soak does not exercise it", o, len(rss), seed)
	}
}

// pickSeed returns seed, or a new one if it is 0, and logs it so a failing
// run can be replayed with -seed.
func pickSeed(t *testing.T, seed uint64) uint64 {
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -seed=%d)", seed, seed)
	return seed
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

// chaosCycle runs one pool through a few hundred chaos inputs. Even cycles
// let an input run again once and fail on the second death; odd cycles
// let it run on until it has killed two workers and is poison.
func chaosCycle(t *testing.T, rng *rand.Rand, cycle int, outcomes map[string]int) {
	retries, poisonAfter := 1, 3
	if cycle%2 == 1 {
		retries, poisonAfter = 3, 2
	}
	// Not newPool: its cleanup would keep every cycle's pool and stderr
	// until the test ends, and the RSS check would see them.
	p := procpool.New(chaosTask, procpool.Workers(3), procpool.RecycleAfter(7),
		procpool.Timeout(100*time.Millisecond), procpool.KillGrace(50*time.Millisecond),
		procpool.Retries(retries), procpool.PoisonAfter(poisonAfter), procpool.Stderr(io.Discard))
	defer p.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { killWorkers(p, stop) })
	ins := make([]chaosIn, 300)
	fs := make([]*future.Future[int], len(ins))
	for i := range ins {
		ins[i] = chaosIn{ID: i, Act: chaosAct(rng)}
		fs[i] = p.Submit(bg(), ins[i])
		if rng.IntN(10) == 0 {
			fs[rng.IntN(i+1)].Cancel()
		}
	}
	for i, f := range fs {
		v, err := f.Result(bg())
		outcomes[checkChaos(t, ins[i], v, err)]++
	}
	close(stop)
	wg.Wait()
	v, err := p.Submit(bg(), chaosIn{ID: 21}).Result(bg())
	require.NoError(t, err, "the pool serves after the chaos")
	require.Equal(t, 42, v)
	require.NoError(t, p.Close())
	s := p.Stats()
	require.Equal(t, s.Submitted, s.Completed+s.Failed+s.Cancelled, "counters: %+v", s)
}

// chaosAct picks an act: mostly ordinary inputs, some of every fault.
func chaosAct(rng *rand.Rand) act {
	if rng.IntN(3) > 0 {
		return actReturn
	}
	return act(rng.IntN(int(actKinds)))
}

// killWorkers SIGKILLs a random worker of p every 100 milliseconds.
func killWorkers(p *procpool.Pool[chaosIn, int], stop <-chan struct{}) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			procs := p.Stats().Procs
			if w := procs[rand.IntN(len(procs))]; w.PID != 0 {
				_ = syscall.Kill(w.PID, syscall.SIGKILL)
			}
		}
	}
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}

// residentSelf returns this process's RSS in bytes.
func residentSelf(t *testing.T) uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	require.NoError(t, err)
	var size, resident uint64
	_, err = fmt.Sscan(string(b), &size, &resident)
	require.NoError(t, err)
	return resident * uint64(os.Getpagesize())
}

func mib(bs []uint64) []uint64 {
	out := make([]uint64, len(bs))
	for i, b := range bs {
		out[i] = b >> 20
	}
	return out
}
