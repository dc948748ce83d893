package bench_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/procpool"
)

// The procpool benchmarks set procpool beside the floors of a process: a
// bare pipe to a child that echoes what it reads (this test binary in echo
// mode), and a bare exec of that child. Python's figures for the same
// names come from python/bench.py.

// echoChild is this test binary started in echo mode.
type echoChild struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out io.Reader
}

// startEcho starts an echo child and waits for its first reply. Stop it
// with stop.
func startEcho(b *testing.B) *echoChild {
	c := &echoChild{cmd: exec.Command(os.Args[0])}
	c.cmd.Env = append(os.Environ(), helperEnv+"=echo")
	var err error
	if c.in, err = c.cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	if c.out, err = c.cmd.StdoutPipe(); err != nil {
		b.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	msg := make([]byte, 8)
	c.pingPong(b, msg, msg)
	return c
}

func (c *echoChild) stop() {
	c.in.Close()
	_ = c.cmd.Wait()
}

// pingPong sends msg and reads it back into buf, writing from a second
// goroutine so that a message larger than the pipe cannot deadlock.
func (c *echoChild) pingPong(b *testing.B, msg, buf []byte) {
	var wg sync.WaitGroup
	defer wg.Wait()
	if len(msg) <= 4096 {
		if _, err := c.in.Write(msg); err != nil {
			b.Fatal(err)
		}
	} else {
		wg.Go(func() { _, _ = c.in.Write(msg) })
	}
	if _, err := io.ReadFull(c.out, buf[:len(msg)]); err != nil {
		b.Fatal(err)
	}
}

// warm waits for the pool's workers by running a few inputs through them.
func warm[In, Out any](b *testing.B, p *procpool.Pool[In, Out], in In) {
	if _, err := p.Map(context.Background(), slices.Repeat([]In{in}, 64)); err != nil {
		b.Fatal(err)
	}
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
}

// BenchmarkProcRoundTrip sends one tiny task to one worker and waits for
// its result, one at a time.
func BenchmarkProcRoundTrip(b *testing.B) {
	b.Run("lib=procpool", func(b *testing.B) {
		p := procpool.New(tinyTask, procpool.Workers(1), procpool.Prestart())
		defer p.Close()
		warm(b, p, 1)
		ctx := context.Background()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := p.Submit(ctx, i).Result(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=pipe", func(b *testing.B) {
		c := startEcho(b)
		defer c.stop()
		msg := make([]byte, 8)
		for b.Loop() {
			c.pingPong(b, msg, msg)
		}
	})
}

// BenchmarkProcSubmit submits tiny tasks one by one, never batched by the
// caller, with up to 1000 futures outstanding. One op is one task.
func BenchmarkProcSubmit(b *testing.B) {
	b.Run("lib=procpool", func(b *testing.B) {
		p := procpool.New(tinyTask, procpool.Prestart())
		defer p.Close()
		warm(b, p, 1)
		ctx := context.Background()
		fs := make([]*future.Future[int], 0, 1000)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			fs = append(fs, p.Submit(ctx, i))
			if len(fs) == cap(fs) || i == b.N-1 {
				for _, f := range fs {
					if _, err := f.Result(ctx); err != nil {
						b.Fatal(err)
					}
				}
				fs = fs[:0]
			}
		}
		reportRate(b)
	})
	b.Run("lib=pipe", func(b *testing.B) { // 8-byte messages streamed both ways
		c := startEcho(b)
		defer c.stop()
		b.ResetTimer()
		var wg sync.WaitGroup
		wg.Go(func() {
			msg := make([]byte, 8)
			for range b.N {
				if _, err := c.in.Write(msg); err != nil {
					return
				}
			}
		})
		if _, err := io.CopyN(io.Discard, c.out, 8*int64(b.N)); err != nil {
			b.Fatal(err)
		}
		wg.Wait()
		reportRate(b)
	})
}

// BenchmarkProcMap maps a tiny task over slices of 1M inputs in worker
// processes. One op is one input.
func BenchmarkProcMap(b *testing.B) {
	chunk := size(1_000_000, 10_000)
	b.Run("lib=procpool", func(b *testing.B) {
		p := procpool.New(tinyTask, procpool.Prestart())
		defer p.Close()
		warm(b, p, 1)
		mapItems(b, chunk, func(ins []int) ([]int, error) { return p.Map(context.Background(), ins) })
		reportRate(b)
	})
	b.Run("lib=sequential", func(b *testing.B) {
		run, _ := openSequential(1, tiny)
		mapItems(b, chunk, run)
		reportRate(b)
	})
}

// BenchmarkProcPayload sends 1 KB, 1 MB and 16 MB to one worker and back.
func BenchmarkProcPayload(b *testing.B) {
	for _, n := range []int{1 << 10, 1 << 20, 16 << 20} {
		msg := bytes.Repeat([]byte{'x'}, n)
		name := map[int]string{1 << 10: "size=1KB", 1 << 20: "size=1MB", 16 << 20: "size=16MB"}[n]
		b.Run(name+"/lib=procpool", func(b *testing.B) {
			p := procpool.New(echoTask, procpool.Workers(1), procpool.Prestart())
			defer p.Close()
			// The worker is up and has carried payloads of this size: 64 of
			// them, or 64 MB of them for the largest.
			if _, err := p.Map(context.Background(), slices.Repeat([][]byte{msg}, min(64, 64<<20/n))); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if got, err := p.Submit(ctx, msg).Result(ctx); err != nil || len(got) != n {
					b.Fatal(len(got), err)
				}
			}
		})
		b.Run(name+"/lib=pipe", func(b *testing.B) {
			c := startEcho(b)
			defer c.stop()
			buf := make([]byte, n)
			b.SetBytes(int64(n))
			for b.Loop() {
				c.pingPong(b, msg, buf)
			}
		})
	}
}
