package queue

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var errClosed, errFull = errors.New("closed"), errors.New("full")

func TestSendWaitsAndGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := New[int](1, errClosed, errFull)
		require.NoError(t, q.Send(context.Background(), 1, true))
		assert.ErrorIs(t, q.Send(context.Background(), 2, false), errFull, "a send that may not wait reports a full queue")

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- q.Send(ctx, 2, true) }()
		synctest.Wait()
		assert.Empty(t, done, "a send waits while the queue is full")
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)

		go func() { done <- q.Send(context.Background(), 3, true) }()
		synctest.Wait()
		q.Close()
		assert.ErrorIs(t, <-done, errClosed, "Close wakes a waiting sender")
		assert.ErrorIs(t, q.Send(context.Background(), 4, true), errClosed)
		assert.True(t, q.Closed())
		var got []int
		for v := range q.C {
			got = append(got, v)
		}
		assert.Equal(t, []int{1}, got, "what was sent before Close is received")
	})
}

func TestCloseRacingSendersLosesNothing(t *testing.T) {
	for range 100 {
		q := New[int](4, errClosed, errFull)
		var received []int
		recv := make(chan struct{})
		go func() {
			for v := range q.C {
				received = append(received, v)
			}
			close(recv)
		}()
		var wg sync.WaitGroup
		var mu sync.Mutex
		sent := 0
		for range 8 {
			wg.Go(func() {
				for range 50 {
					if q.Send(context.Background(), 1, true) == nil {
						mu.Lock()
						sent++
						mu.Unlock()
					}
				}
			})
		}
		q.Close()
		wg.Wait()
		<-recv
		require.Equal(t, sent, len(received), "every accepted send is received")
	}
}
