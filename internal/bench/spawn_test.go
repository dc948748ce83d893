package bench_test

import (
	"bytes"
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/poolkit/poolkit/procpool"
)

// BenchmarkSpawn starts a pool of one worker and waits for its first
// result; the floor execs the echo child and waits for its first reply.
// Closing the pool or the child is not timed.
func BenchmarkSpawn(b *testing.B) {
	ctx := context.Background()
	b.Run("lib=procpool", func(b *testing.B) {
		for b.Loop() {
			p := procpool.New(tinyTask, procpool.Workers(1))
			_, err := p.Submit(ctx, 1).Result(ctx)
			b.StopTimer()
			p.Close()
			b.StartTimer()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=exec", func(b *testing.B) {
		for b.Loop() {
			c := startEcho(b) // waits for the first reply
			b.StopTimer()
			c.stop()
			b.StartTimer()
		}
	})
}

// runningSignal is a Stderr writer that tells when blockTask has started.
type runningSignal chan struct{}

func (s runningSignal) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("running")) {
		s <- struct{}{}
	}
	return len(p), nil
}

// BenchmarkProcKill kills a worker running a task with SIGKILL and times
// until the task's future settles; the floor times a bare child from
// SIGKILL to reaped. Starting the worker is not timed.
func BenchmarkProcKill(b *testing.B) {
	ctx := context.Background()
	b.Run("lib=procpool", func(b *testing.B) {
		running := make(runningSignal, 1)
		p := procpool.New(blockTask, procpool.Workers(1), procpool.Stderr(running))
		defer p.Close()
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			f := p.Submit(ctx, 0)
			<-running
			pid := p.Stats().Procs[0].PID
			b.StartTimer()
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				b.Fatal(err)
			}
			if _, err := f.Result(ctx); !errors.Is(err, procpool.ErrWorkerDied) {
				b.Fatalf("got %v, want ErrWorkerDied", err)
			}
		}
	})
	b.Run("lib=exec", func(b *testing.B) {
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			c := startEcho(b)
			b.StartTimer()
			if err := c.cmd.Process.Kill(); err != nil {
				b.Fatal(err)
			}
			if err := c.cmd.Wait(); err == nil {
				b.Fatal("killed child exited cleanly")
			}
		}
	})
}
