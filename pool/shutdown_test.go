package pool_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/pool"
)

func TestShutdownWaitsForQueuedAndRunning(t *testing.T) {
	g := newGate()
	p := pool.New(g.task, pool.Workers(1))
	bg := context.Background()
	running := p.Submit(bg, 0)
	<-g.started
	queued := p.Submit(bg, 1)

	shut := make(chan error, 1)
	go func() { shut <- p.Shutdown(bg) }()

	// Intake stops before Shutdown returns: wait until a Submit is refused.
	require.Eventually(t, func() bool {
		return p.Submit(bg, 9).Err() != nil
	}, 5*time.Second, time.Millisecond)
	_, err := p.Submit(bg, 2).Result(bg)
	assert.ErrorIs(t, err, pool.ErrClosed)
	_, err = p.TrySubmit(bg, 2)
	assert.ErrorIs(t, err, pool.ErrClosed)

	close(g.release)
	require.NoError(t, <-shut)
	for i, f := range []*future.Future[int]{running, queued} {
		v, err := f.Result(bg)
		require.NoError(t, err, "Shutdown lets queued and running tasks finish")
		assert.Equal(t, i, v)
	}
	assert.Equal(t, 0, p.Stats().Workers)
}

func TestShutdownDeadlineCancelsWhatIsLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		var ran atomic.Int32
		p := pool.New(func(ctx context.Context, x int) (int, error) {
			ran.Add(1)
			return g.task(ctx, x)
		}, pool.Workers(1))
		bg := context.Background()
		running := p.Submit(bg, 0)
		<-g.started
		queued := p.Submit(bg, 1)

		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		assert.ErrorIs(t, p.Shutdown(ctx), context.DeadlineExceeded)

		for _, f := range []*future.Future[int]{running, queued} {
			_, err := f.Result(bg)
			assert.ErrorIs(t, err, pool.ErrShutdownCancel)
			assert.ErrorIs(t, err, context.Canceled)
		}
		assert.Equal(t, int32(1), ran.Load(), "the queued task never ran")
		s := p.Stats()
		assert.Equal(t, 0, s.Workers, "Shutdown returns after the workers exit")
		assert.Equal(t, uint64(2), s.Cancelled)
	})
}

func TestShutdownDeadlineCancelsMapAndMapSeq(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate()
		p := pool.New(g.task, pool.Workers(2))
		bg := context.Background()
		mapErr := make(chan error, 1)
		go func() {
			_, err := p.Map(bg, ints(1)) // one input, so one share on one worker
			mapErr <- err
		}()
		<-g.started
		seqErr := make(chan error, 1)
		go func() {
			var last error
			for _, err := range p.MapSeq(bg, func(yield func(int) bool) {
				for i := 0; yield(i); i++ {
				}
			}) {
				if err != nil {
					last = err
				}
			}
			seqErr <- last
		}()
		<-g.started
		ctx, cancel := context.WithTimeout(bg, time.Second)
		defer cancel()
		assert.ErrorIs(t, p.Shutdown(ctx), context.DeadlineExceeded)
		assert.ErrorIs(t, <-mapErr, pool.ErrShutdownCancel)
		err := <-seqErr
		assert.True(t, errors.Is(err, context.Canceled) || errors.Is(err, pool.ErrClosed), "MapSeq ends with the shutdown, not with %v", err)
	})
}

func TestSubmitRacingShutdown(t *testing.T) {
	p := pool.New(square, pool.Workers(2), pool.QueueSize(4))
	bg := context.Background()
	const submitters, each = 8, 200
	var wg sync.WaitGroup
	fs := make([][]*future.Future[int], submitters)
	for s := range submitters {
		wg.Go(func() {
			for i := range each {
				fs[s] = append(fs[s], p.Submit(bg, i))
			}
		})
	}
	require.NoError(t, p.Shutdown(bg))
	wg.Wait()

	var ok, closed uint64
	for _, list := range fs {
		for i, f := range list {
			require.True(t, f.Settled(), "every future settles by the time Shutdown returns or Submit does")
			v, err := f.Result(bg)
			if err != nil {
				require.ErrorIs(t, err, pool.ErrClosed)
				closed++
				continue
			}
			require.Equal(t, i*i, v)
			ok++
		}
	}
	assert.Equal(t, uint64(submitters*each), ok+closed)
	s := p.Stats()
	assert.Equal(t, ok, s.Completed, "every accepted task ran")
	assert.Equal(t, ok, s.Submitted)
}

func TestShutdownIsIdempotentAndConcurrent(t *testing.T) {
	p := pool.New(square)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { assert.NoError(t, p.Close()) })
	}
	wg.Wait()
	assert.NoError(t, p.Shutdown(context.Background()))
}
