package procpool_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"testing"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/internal/testenv"
	"github.com/poolkit/poolkit/procpool"
)

// Each benchmark measures poolkit beside the physical floor in the same
// run: a bare pipe to a child process that echoes what it reads, so
// benchstat can give the ratio on a shared machine.

var tinyTask = procpool.Register("tiny", func(ctx context.Context, x int) (int, error) {
	return 2*x + 1, nil
})

// echoChild starts this test binary as an echo process.
func echoChild(b *testing.B) (*exec.Cmd, io.WriteCloser, io.ReadCloser) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=echo")
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return cmd, in, out
}

// pingPong sends 8 bytes and waits for them to come back.
func pingPong(b *testing.B, in io.Writer, out io.Reader, buf []byte) {
	if _, err := in.Write(buf[:8]); err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadFull(out, buf[:8]); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkRoundTrip(b *testing.B) {
	b.Run("floor=pipe", func(b *testing.B) {
		cmd, in, out := echoChild(b)
		buf := make([]byte, 8)
		for b.Loop() {
			pingPong(b, in, out, buf)
		}
		in.Close()
		_ = cmd.Wait()
	})
	roundTrips := func(b *testing.B, p *procpool.Pool[int, int]) {
		ctx := context.Background()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := p.Submit(ctx, i).Result(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("engine=procpool", func(b *testing.B) {
		p := procpool.New(tinyTask, procpool.Workers(1), procpool.Prestart())
		defer p.Close()
		roundTrips(b, p)
	})
	b.Run("engine=procpool-set", func(b *testing.B) {
		p, done := onSharedSet(b, 1)
		defer done()
		roundTrips(b, p)
	})
}

// onSharedSet returns a pool of tinyTask on a set of n workers that a
// pool of another task uses first, and a function that closes the set.
func onSharedSet(b *testing.B, n int) (*procpool.Pool[int, int], func()) {
	set := procpool.NewSet(procpool.Workers(n), procpool.Prestart())
	other := procpool.New(squareTask, procpool.On(set))
	if _, err := other.Map(context.Background(), ints(64)); err != nil {
		b.Fatal(err)
	}
	p := procpool.New(tinyTask, procpool.On(set))
	if _, err := p.Map(context.Background(), ints(64)); err != nil { // the workers are bound to it
		b.Fatal(err)
	}
	return p, func() { _ = set.Close() }
}

func BenchmarkSubmitThroughput(b *testing.B) {
	const batch = 1000 // futures outstanding at once
	b.Run("floor=pipe", func(b *testing.B) {
		cmd, in, out := echoChild(b)
		go func() {
			msg := make([]byte, 8)
			for range b.N {
				if _, err := in.Write(msg); err != nil {
					return
				}
			}
		}()
		buf := make([]byte, 8*b.N)
		if _, err := io.ReadFull(out, buf); err != nil {
			b.Fatal(err)
		}
		in.Close()
		_ = cmd.Wait()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
	})
	b.Run("engine=procpool", func(b *testing.B) {
		p := procpool.New(tinyTask, procpool.Prestart())
		defer p.Close()
		ctx := context.Background()
		fs := make([]*future.Future[int], 0, batch)
		b.ReportAllocs()
		for i := range b.N {
			fs = append(fs, p.Submit(ctx, i))
			if len(fs) == batch || i == b.N-1 {
				for _, f := range fs {
					if _, err := f.Result(ctx); err != nil {
						b.Fatal(err)
					}
				}
				fs = fs[:0]
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
	})
}

func BenchmarkMapThroughput(b *testing.B) {
	ins := ints(1_000_000)
	b.Run("engine=sequential", func(b *testing.B) {
		ctx := context.Background()
		tiny := func(_ context.Context, x int) (int, error) { return 2*x + 1, nil }
		for b.Loop() {
			outs := make([]int, len(ins))
			for i, in := range ins {
				outs[i], _ = tiny(ctx, in)
			}
		}
		b.ReportMetric(float64(b.N*len(ins))/b.Elapsed().Seconds(), "tasks/s")
	})
	maps := func(b *testing.B, p *procpool.Pool[int, int]) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Map(ctx, ins); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(ins))/b.Elapsed().Seconds(), "tasks/s")
	}
	b.Run("engine=procpool", func(b *testing.B) {
		p := procpool.New(tinyTask, procpool.Prestart())
		defer p.Close()
		maps(b, p)
	})
	b.Run("engine=procpool-set", func(b *testing.B) {
		p, done := onSharedSet(b, runtime.GOMAXPROCS(0))
		defer done()
		maps(b, p)
	})
}

// BenchmarkSetFlood measures the round trip of one pool's input while
// another pool on the same set of two workers floods it with inputs of a
// millisecond: the time the flooding pool takes to give a worker back.
func BenchmarkSetFlood(b *testing.B) {
	set := procpool.NewSet(procpool.Workers(2), procpool.Prestart(), procpool.Stderr(io.Discard))
	defer set.Close()
	flood := procpool.New(napTask, procpool.On(set))
	p := procpool.New(tinyTask, procpool.On(set))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	naps := make([]int, 100_000)
	for i := range naps {
		naps[i] = 1
	}
	flooding := make(chan struct{})
	go func() {
		defer close(flooding)
		for range flood.MapSeq(ctx, slices.Values(naps)) {
		}
	}()
	for flood.Stats().Running < 2 {
		runtime.Gosched()
	}
	for i := 0; b.Loop(); i++ {
		if _, err := p.Submit(context.Background(), i).Result(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	stop()
	<-flooding
}

func BenchmarkSpawnToFirstResult(b *testing.B) {
	b.Run("floor=exec", func(b *testing.B) {
		buf := make([]byte, 8)
		for b.Loop() {
			cmd, in, out := echoChild(b)
			pingPong(b, in, out, buf)
			in.Close()
			_ = cmd.Wait()
		}
	})
	b.Run("engine=procpool", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			p := procpool.New(tinyTask, procpool.Workers(1))
			if _, err := p.Submit(ctx, 1).Result(ctx); err != nil {
				b.Fatal(err)
			}
			p.Close()
		}
	})
}

// BenchmarkLaunchers measures a round trip and Map throughput through each
// launcher beside local workers: ssh to 127.0.0.1 and srun on a one-node
// Slurm cluster (internal/testenv; skipped where they are not installed).
func BenchmarkLaunchers(b *testing.B) {
	s := testenv.SSHD(b)
	c := testenv.Slurm(b)
	launchers := []struct {
		name  string
		build func(int) *exec.Cmd
	}{
		{"local", func(int) *exec.Cmd { return exec.Command(os.Args[0]) }},
		{"ssh", procpool.SSHEnv(s.Host, remoteEnv, os.Args[0], s.Args()...)},
		{"srun", func(int) *exec.Cmd { return c.Srun(os.Args[0]) }},
	}
	ctx := context.Background()
	ins := ints(100_000)
	for _, l := range launchers {
		b.Run("op=roundtrip/launcher="+l.name, func(b *testing.B) {
			p := procpool.New(tinyTask, procpool.Launch(1, l.build), procpool.Prestart())
			defer p.Close()
			for i := 0; b.Loop(); i++ {
				if _, err := p.Submit(ctx, i).Result(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("op=map/launcher="+l.name, func(b *testing.B) {
			p := procpool.New(tinyTask, procpool.Launch(2, l.build), procpool.Prestart())
			defer p.Close()
			for b.Loop() {
				if _, err := p.Map(ctx, ins); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(ins))/b.Elapsed().Seconds(), "tasks/s")
		})
	}
}
