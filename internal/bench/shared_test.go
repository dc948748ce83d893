package bench_test

import (
	"context"
	"hash/crc32"
	"math/rand/v2"
	"testing"

	"github.com/poolkit/poolkit/procpool"
)

// sharedPart names a part of a shared region: what an input of
// BenchmarkProcShared carries instead of the part's bytes.
type sharedPart struct {
	Region   *procpool.Shared
	Off, Len int
}

var (
	// crcPartTask reads every byte of its part of the region.
	crcPartTask = procpool.Register("crc-part", func(_ context.Context, p sharedPart) (uint32, error) {
		data, err := p.Region.Bytes()
		if err != nil {
			return 0, err
		}
		return crc32.ChecksumIEEE(data[p.Off : p.Off+p.Len]), nil
	})
	// crcTask reads every byte of the part it received.
	crcTask = procpool.Register("crc", func(_ context.Context, b []byte) (uint32, error) {
		return crc32.ChecksumIEEE(b), nil
	})
)

// sharedPartSize is the part of the region one op reads.
const sharedPartSize = 1 << 20

// BenchmarkProcShared has one worker read a 1 MB part of a 64 MB region,
// a different part each op, and return its CRC-32: named by offset in a
// region made with procpool.Share (lib=procpool), or sent in the input
// itself (lib=procpool-copy). The floor reads the part in this process.
// Python's figure, through multiprocessing.shared_memory, comes from
// python/bench.py.
func BenchmarkProcShared(b *testing.B) {
	r := newBenchRegion(b, size(64, 4))
	defer r.shared.Close()
	ctx := context.Background()
	b.Run("size=1MB/lib=procpool", func(b *testing.B) {
		p := procpool.New(crcPartTask, procpool.Workers(1), procpool.Prestart())
		defer p.Close()
		parts := r.parts()
		if _, err := p.Map(ctx, parts); err != nil { // maps the region and every page of it
			b.Fatal(err)
		}
		r.loop(b, func(k int) (uint32, error) { return p.Submit(ctx, parts[k]).Result(ctx) })
	})
	b.Run("size=1MB/lib=procpool-copy", func(b *testing.B) {
		p := procpool.New(crcTask, procpool.Workers(1), procpool.Prestart())
		defer p.Close()
		warm(b, p, r.data[:sharedPartSize])
		r.loop(b, func(k int) (uint32, error) {
			return p.Submit(ctx, r.data[k*sharedPartSize:(k+1)*sharedPartSize]).Result(ctx)
		})
	})
	b.Run("size=1MB/lib=sequential", func(b *testing.B) {
		r.loop(b, func(k int) (uint32, error) {
			return crc32.ChecksumIEEE(r.mapped[k*sharedPartSize : (k+1)*sharedPartSize]), nil
		})
	})
}

// benchRegion is the region BenchmarkProcShared reads, with the CRC-32 of
// each of its parts.
type benchRegion struct {
	data   []byte // the bytes it was shared from
	shared *procpool.Shared
	mapped []byte // this process's mapping
	want   []uint32
}

// newBenchRegion shares mb megabytes of random bytes. Close r.shared.
func newBenchRegion(b *testing.B, mb int) *benchRegion {
	r := &benchRegion{data: make([]byte, mb*sharedPartSize), want: make([]uint32, mb)}
	rand.NewChaCha8([32]byte{}).Read(r.data)
	var err error
	if r.shared, err = procpool.Share(r.data); err != nil {
		b.Fatal(err)
	}
	if r.mapped, err = r.shared.Bytes(); err != nil {
		b.Fatal(err)
	}
	for k := range r.want { // read from the mapping, which faults it in
		r.want[k] = crc32.ChecksumIEEE(r.mapped[k*sharedPartSize : (k+1)*sharedPartSize])
	}
	return r
}

// parts returns an input naming each part of the region, in order.
func (r *benchRegion) parts() []sharedPart {
	ps := make([]sharedPart, len(r.want))
	for k := range ps {
		ps[k] = sharedPart{r.shared, k * sharedPartSize, sharedPartSize}
	}
	return ps
}

// loop times crc of part 0, 1, 2, ... in turn, wrapping around, and checks
// each result.
func (r *benchRegion) loop(b *testing.B, crc func(k int) (uint32, error)) {
	b.SetBytes(sharedPartSize)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := i % len(r.want)
		if got, err := crc(k); err != nil || got != r.want[k] {
			b.Fatal(got, r.want[k], err)
		}
	}
}
