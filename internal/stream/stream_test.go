package stream

import (
	"context"
	"errors"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestSizerGrowsForTinyTasksAndShrinksForSlowOnes(t *testing.T) {
	s := NewSizer(1024, 100*time.Microsecond)
	require.Equal(t, 1, s.size, "the first batch is a single input")
	s.Observe(1, 100*time.Nanosecond)
	assert.Equal(t, 4, s.size, "growth is at most fourfold per batch")
	for range 10 {
		s.Observe(s.size, time.Duration(s.size)*100*time.Nanosecond)
	}
	assert.Equal(t, 1000, s.size, "tiny tasks are batched up to about the target time")
	s.Observe(10, 10*time.Millisecond)
	assert.Equal(t, 1, s.size, "slow tasks go one at a time at once")
	s.Observe(5, 0)
	assert.Equal(t, 4, s.size, "an unmeasurably fast batch grows the size")
}

// pool runs dispatched batches on goroutines, doubling each input.
type pool struct {
	wg   sync.WaitGroup
	fail func(*Batch[int, int]) error
}

func (p *pool) dispatch(ctx context.Context, b *Batch[int, int]) error {
	if p.fail != nil {
		if err := p.fail(b); err != nil {
			return err
		}
	}
	p.wg.Go(func() {
		for i, in := range b.Ins {
			b.Outs[i] = 2 * in
			if in%7 == 6 {
				b.Errs[i] = errors.New("seven")
			}
		}
		b.Finish(time.Microsecond * time.Duration(b.Len()))
	})
	return nil
}

func count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

func TestRunYieldsInOrderWithIndexes(t *testing.T) {
	p := &pool{}
	var got []int
	Run(context.Background(), count(10_000), Config{Window: 4, MaxBatch: 64, Target: time.Millisecond}, p.dispatch,
		func(i, out int, err error) bool {
			require.Equal(t, len(got), i)
			require.Equal(t, 2*i, out)
			require.Equal(t, i%7 == 6, err != nil)
			got = append(got, i)
			return true
		})
	p.wg.Wait()
	assert.Len(t, got, 10_000)
}

func TestRunDispatchErrorIsYieldedOnce(t *testing.T) {
	errFull := errors.New("closed")
	p := &pool{fail: func(b *Batch[int, int]) error {
		if b.First > 0 {
			return errFull
		}
		return nil
	}}
	var idx []int
	var errs []error
	Run(context.Background(), count(100), Config{Window: 4, MaxBatch: 1, Target: time.Millisecond}, p.dispatch,
		func(i, out int, err error) bool {
			idx = append(idx, i)
			errs = append(errs, err)
			return true
		})
	p.wg.Wait()
	assert.Equal(t, []int{0, -1}, idx, "what was dispatched is yielded, then the error once")
	assert.NoError(t, errs[0])
	assert.ErrorIs(t, errs[1], errFull)
}

func TestRunBreakCancelsAndJoins(t *testing.T) {
	var wg sync.WaitGroup
	finished, dispatched := 0, 0
	var mu sync.Mutex
	dispatch := func(ctx context.Context, b *Batch[int, int]) error {
		dispatched++
		wg.Go(func() {
			if b.First > 0 {
				<-ctx.Done() // only a cancelled ctx ends later batches
			}
			mu.Lock()
			finished++
			mu.Unlock()
			b.Finish(time.Millisecond)
		})
		return nil
	}
	n := 0
	Run(context.Background(), count(1_000_000), Config{Window: 3, MaxBatch: 8, Target: time.Millisecond}, dispatch,
		func(i, out int, err error) bool {
			n++
			return false
		})
	mu.Lock()
	done := finished
	mu.Unlock()
	assert.Equal(t, 1, n)
	assert.Equal(t, dispatched, done, "Run returns only after every dispatched batch finished")
	assert.LessOrEqual(t, dispatched, 3, "no more than the window is dispatched")
	wg.Wait()
}

func TestRunCtxEndsYieldsCause(t *testing.T) {
	cause := errors.New("stopped by test")
	ctx, cancel := context.WithCancelCause(context.Background())
	var wg sync.WaitGroup
	dispatch := func(ctx context.Context, b *Batch[int, int]) error {
		wg.Go(func() {
			<-ctx.Done()
			b.Finish(0)
		})
		return nil
	}
	go cancel(cause)
	var last error
	Run(ctx, count(10), Config{Window: 2, MaxBatch: 1, Target: time.Millisecond}, dispatch,
		func(i, out int, err error) bool {
			last = err
			return true
		})
	wg.Wait()
	assert.ErrorIs(t, last, cause)
}
