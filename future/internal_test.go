package future

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

// registrations counts the waiters f holds.
func registrations[T any](f *Future[T]) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for w := f.waiters.head; w != nil; w = w.next {
		n++
	}
	return n
}

// pending returns n pending promises and their futures.
func pending(n int) ([]*Promise[int], []*Future[int]) {
	ps := make([]*Promise[int], n)
	fs := make([]*Future[int], n)
	for i := range ps {
		ps[i] = NewPromise[int]()
		fs[i] = ps[i].Future()
	}
	return ps, fs
}

// assertNoRegistrations checks that every future of fs holds no waiter.
func assertNoRegistrations(t *testing.T, fs []*Future[int]) {
	t.Helper()
	for i, f := range fs {
		assert.Zero(t, registrations(f), "future %d still holds registrations", i)
	}
}

func TestCallsLeaveNoRegistrations(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		call func(fs []*Future[int])
	}{
		{"Wait with ended ctx", func(fs []*Future[int]) {
			_, _, _ = Wait(ended, FirstCompleted, fs...)
		}},
		{"Wait satisfied", func(fs []*Future[int]) {
			_, _, _ = Wait(context.Background(), FirstCompleted, append(fs, Value(1))...)
		}},
		{"All failing early", func(fs []*Future[int]) {
			_, _ = All(context.Background(), append(fs, Failed[int](context.DeadlineExceeded))...)
		}},
		{"All with ended ctx", func(fs []*Future[int]) {
			_, _ = All(ended, fs...)
		}},
		{"AsCompleted broken off", func(fs []*Future[int]) {
			for range AsCompleted(context.Background(), append(fs, Value(1))...) {
				break
			}
		}},
		{"Set broken off", func(fs []*Future[int]) {
			s := NewSet(fs...)
			s.Add(Value(1))
			for range s.Completed(context.Background()) {
				break
			}
		}},
		{"OnSettle stopped", func(fs []*Future[int]) {
			for _, f := range fs {
				f.OnSettle(func(int, error) {})()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fs := pending(3)
			tt.call(fs)
			assertNoRegistrations(t, fs)
		})
	}
}

func TestRegistrationsLastWhileTheLoopWaits(t *testing.T) {
	ps, fs := pending(3)
	ps[0].Settle(0, nil)
	n := 0
	for f := range AsCompleted(context.Background(), fs...) {
		n++
		if f != fs[0] {
			continue
		}
		// The loop holds one registration on each future it still waits
		// for, and none on the one it yielded.
		assert.Zero(t, registrations(fs[0]))
		assert.Equal(t, 1, registrations(fs[1]))
		assert.Equal(t, 1, registrations(fs[2]))
		ps[1].Settle(1, nil)
		ps[2].Settle(2, nil)
	}
	assert.Equal(t, 3, n)
}
