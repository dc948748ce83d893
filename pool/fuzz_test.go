package pool_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

// behave is a task whose input says what it does: x%5 == 0 returns x,
// 1 fails, 2 panics, 3 waits for its ctx (returning x after at most a
// millisecond, so a fuzzed sequence cannot block for ever on a full
// queue), 4 calls runtime.Goexit.
func behave(ctx context.Context, x int) (int, error) {
	switch x % 5 {
	case 1:
		return 0, errBoom
	case 2:
		panic("kaboom")
	case 3:
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	case 4:
		runtime.Goexit()
	}
	return x, nil
}

// checkOutcome checks the result of input x against what behave does.
func checkOutcome(t *testing.T, x, v int, err error) {
	t.Helper()
	switch {
	case err == nil:
		if (x%5 != 0 && x%5 != 3) || v != x {
			t.Fatalf("input %d: got %d, nil", x, v)
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, pool.ErrClosed), errors.Is(err, pool.ErrShutdownCancel):
	case x%5 == 1 && errors.Is(err, errBoom):
	case x%5 == 2 && errors.As(err, new(*pool.PanicError)):
	case x%5 == 4 && errors.Is(err, pool.ErrGoexit):
	default:
		t.Fatalf("input %d: unexpected error %v", x, err)
	}
}

// FuzzOperations runs random interleavings of Submit, TrySubmit, Cancel,
// Map, MapSeq with an early break, and Shutdown with a short deadline, and
// checks that every future settles exactly once with an outcome its input
// explains, and that the counters add up.
func FuzzOperations(f *testing.F) {
	f.Add([]byte{0, 5, 0, 3, 1, 1, 2, 10, 3, 7, 5, 0})
	f.Add([]byte{2, 40, 4, 13, 0, 8, 6, 1})
	f.Add([]byte{0, 3, 0, 3, 0, 3, 6, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		p := pool.New(behave, pool.Workers(2), pool.QueueSize(2))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var fs []*future.Future[int]
		var ins []int
		for i := 0; i+1 < len(ops); i += 2 {
			op, arg := ops[i]%7, int(ops[i+1])
			switch op {
			case 0, 1:
				c := ctx
				if op == 1 {
					var cancel context.CancelFunc
					c, cancel = context.WithTimeout(ctx, time.Millisecond)
					defer cancel()
				}
				fs, ins = append(fs, p.Submit(c, arg)), append(ins, arg)
			case 2:
				if f, err := p.TrySubmit(ctx, arg); err == nil {
					fs, ins = append(fs, f), append(ins, arg)
				}
			case 3:
				if len(fs) > 0 {
					fs[arg%len(fs)].Cancel()
				}
			case 4:
				mctx, mcancel := context.WithTimeout(ctx, time.Millisecond)
				outs, err := p.Map(mctx, []int{arg, arg + 5, arg + 10})
				mcancel()
				if err == nil && !slices.Equal(outs, []int{arg, arg + 5, arg + 10}) {
					t.Fatalf("Map: %v", outs)
				}
			case 5:
				n := 0
				for range p.MapSeq(ctx, slices.Values([]int{0, 5, 10, arg, 15})) {
					if n++; n > arg%4 {
						break
					}
				}
			case 6:
				sctx, scancel := context.WithTimeout(ctx, time.Duration(arg%3)*time.Millisecond)
				_ = p.Shutdown(sctx)
				scancel()
			}
		}
		cancel() // ends the tasks that wait for their ctx
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		for i, f := range fs {
			if !f.Settled() {
				t.Fatalf("future %d (input %d) never settled", i, ins[i])
			}
			v, err := f.Result(context.Background())
			checkOutcome(t, ins[i], v, err)
		}
		s := p.Stats()
		if s.Submitted != s.Completed+s.Failed+s.Cancelled || s.Queued != 0 || s.Running != 0 {
			t.Fatalf("counters do not add up: %+v", s)
		}
	})
}
