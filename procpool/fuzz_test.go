package procpool_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// behaveTask does by its input: x%4 == 0 returns x, 1 fails, 2 panics, 3
// waits for its ctx up to a millisecond and then returns x.
var behaveTask = procpool.Register("behave", func(ctx context.Context, x int) (int, error) {
	switch x % 4 {
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
	}
	return x, nil
})

// checkBehave checks the outcome of input x against behaveTask.
func checkBehave(t *testing.T, x, v int, err error) {
	t.Helper()
	switch {
	case err == nil:
		if (x%4 != 0 && x%4 != 3) || v != x {
			t.Fatalf("input %d: got %d, nil", x, v)
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, pool.ErrClosed), errors.Is(err, pool.ErrShutdownCancel):
	case x%4 == 1 && err.Error() == "boom":
	case x%4 == 2 && errors.As(err, new(*pool.PanicError)):
	default:
		t.Fatalf("input %d: unexpected error %v", x, err)
	}
}

// FuzzOperations runs random interleavings of Submit, Cancel, Map, MapSeq
// with an early break, and Shutdown with a short deadline on a process
// pool, and checks that every future settles exactly once with an outcome
// its input explains, that the counters add up, and that no worker is left.
func FuzzOperations(f *testing.F) {
	f.Add([]byte{0, 4, 0, 3, 1, 1, 2, 10, 3, 7, 5, 0})
	f.Add([]byte{2, 40, 4, 13, 0, 8, 5, 1})
	f.Add([]byte{0, 3, 0, 3, 1, 0, 5, 2})
	f.Fuzz(func(t *testing.T, ops []byte) {
		p := procpool.New(behaveTask, procpool.Workers(2), procpool.QueueSize(2), procpool.Stderr(&syncBuffer{}))
		defer p.Close() // also when a check fails, so no worker outlives the input
		ctx, cancel := context.WithCancel(bg())
		defer cancel()
		var fs []*future.Future[int]
		var ins []int
		for i := 0; i+1 < len(ops) && i < 40; i += 2 {
			arg := int(ops[i+1])
			switch ops[i] % 6 {
			case 0:
				fs, ins = append(fs, p.Submit(ctx, arg)), append(ins, arg)
			case 1:
				if len(fs) > 0 {
					fs[arg%len(fs)].Cancel()
				}
			case 2:
				mctx, mcancel := context.WithTimeout(ctx, time.Millisecond)
				outs, err := p.Map(mctx, []int{arg * 4, arg*4 + 4})
				mcancel()
				if err == nil && !slices.Equal(outs, []int{arg * 4, arg*4 + 4}) {
					t.Fatalf("Map: %v", outs)
				}
			case 3:
				n := 0
				for range p.MapSeq(ctx, slices.Values([]int{0, 4, 8, arg, 12})) {
					if n++; n > arg%4 {
						break
					}
				}
			case 4:
				if f, err := p.TrySubmit(ctx, arg); err == nil {
					fs, ins = append(fs, f), append(ins, arg)
				}
			case 5:
				sctx, scancel := context.WithTimeout(ctx, time.Duration(arg%3)*time.Millisecond)
				_ = p.Shutdown(sctx)
				scancel()
			}
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		for i, f := range fs {
			if !f.Settled() {
				t.Fatalf("future %d (input %d) never settled", i, ins[i])
			}
			v, err := f.Result(bg())
			checkBehave(t, ins[i], v, err)
		}
		s := p.Stats()
		if s.Submitted != s.Completed+s.Failed+s.Cancelled {
			t.Fatalf("counters do not add up: %+v", s)
		}
		if kids := children(t); len(kids) > 0 {
			t.Fatalf("workers left: %v", kids)
		}
	})
}
