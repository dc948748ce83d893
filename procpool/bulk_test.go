package procpool_test

import (
	"bytes"
	"context"
	"hash/crc32"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

// Large []byte and string values cross as raw frames after their message
// (see internal/wire): these tests send them through real workers.

type blob []byte

type page string

var (
	// blobTask returns its input with every byte incremented, so that an
	// output that is only the input sent back would not pass.
	blobTask = procpool.Register("blob", func(ctx context.Context, b blob) (blob, error) {
		if b == nil {
			return nil, nil
		}
		out := make(blob, len(b))
		for i, c := range b {
			out[i] = c + 1
		}
		return out, nil
	})
	// pageTask returns its input twice.
	pageTask = procpool.Register("page", func(ctx context.Context, s page) (page, error) {
		return s + s, nil
	})
	// bulkEchoTask returns its input as it is.
	bulkEchoTask = procpool.Register("bulk-echo", func(ctx context.Context, b []byte) ([]byte, error) {
		return b, nil
	})
	// keepFirstTask keeps the first input its worker gets and, after a
	// collection, says whether that input still holds what it held then.
	keepFirstTask = procpool.Register("keep-first", func(ctx context.Context, b []byte) (bool, error) {
		keptInput.once.Do(func() { keptInput.b, keptInput.sum = b, crc32.ChecksumIEEE(b) })
		runtime.GC()
		return crc32.ChecksumIEEE(keptInput.b) == keptInput.sum, nil
	})
	keptInput struct {
		once sync.Once
		b    []byte
		sum  uint32
	}
)

// pattern returns n bytes that differ from one position to the next.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// bulkSizes are payload sizes around what matters to the framing: the
// size from which values go raw (8 KiB), a pipe's default capacity, and a
// MiB.
var bulkSizes = []int{0, 1, 8<<10 - 1, 8 << 10, 64<<10 - 1, 64 << 10, 64<<10 + 1, 1 << 20}

func TestLargeValuesRoundTrip(t *testing.T) {
	t.Run("blob", func(t *testing.T) {
		p, _ := newPool(t, blobTask, procpool.Workers(1))
		for _, n := range bulkSizes {
			in := pattern(n)
			var want blob // an empty slice arrives nil, as gob has always brought it
			for _, c := range in {
				want = append(want, c+1)
			}
			out, err := p.Submit(bg(), blob(in)).Result(bg())
			require.NoError(t, err, "%d bytes", n)
			assert.Equal(t, want, out, "%d bytes", n)
		}
	})
	t.Run("page", func(t *testing.T) {
		p, _ := newPool(t, pageTask, procpool.Workers(1))
		for _, n := range bulkSizes {
			in := page(pattern(n))
			out, err := p.Submit(bg(), in).Result(bg())
			require.NoError(t, err, "%d bytes", n)
			assert.Equal(t, in+in, out, "%d bytes", n)
		}
	})
}

func TestLargeValuesInOneRequest(t *testing.T) {
	p, _ := newPool(t, bulkEchoTask, procpool.Workers(1), procpool.BatchSize(16))
	ins := make([][]byte, 16)
	for i := range ins {
		ins[i] = pattern((i%4)*40<<10 + i) // small and large values mixed
	}
	ins[3], ins[9] = nil, []byte{}
	outs, err := p.Map(bg(), ins)
	require.NoError(t, err)
	for i := range ins {
		if len(ins[i]) == 0 {
			assert.Nil(t, outs[i], "input %d: nil and empty arrive nil, as before", i)
			continue
		}
		assert.True(t, bytes.Equal(ins[i], outs[i]), "input %d", i)
	}
}

func TestLargeInputOverLimitFailsThatInputOnly(t *testing.T) {
	p, _ := newPool(t, bulkEchoTask, procpool.Workers(1), procpool.MaxMessage(1<<20))
	_, err := p.Submit(bg(), pattern(1<<20+1)).Result(bg())
	require.ErrorIs(t, err, procpool.ErrEncode)
	assert.Contains(t, err.Error(), "exceeds the size limit")
	assert.Contains(t, err.Error(), "limit 1048576")

	outs, err := p.Map(bg(), [][]byte{pattern(600 << 10), pattern(600 << 10)})
	require.NoError(t, err, "two values that fit one by one go one by one")
	assert.Len(t, outs[1], 600<<10)
	assert.Zero(t, p.Stats().Died)
}

// The memory of a large value the program dropped is used again for the
// next one (see internal/wire); a value it still holds, in the worker or
// in the parent, is never written over.
func TestLargeValuesHeldAreNeverWrittenOver(t *testing.T) {
	keeper, _ := newPool(t, keepFirstTask, procpool.Workers(1))
	echo, _ := newPool(t, bulkEchoTask, procpool.Workers(1))
	var held [][]byte
	for i := range 12 {
		in := pattern(1 << 20)
		in[0] = byte(i)
		intact, err := keeper.Submit(bg(), in).Result(bg())
		require.NoError(t, err)
		require.True(t, intact, "the worker's first input was written over by input %d", i)
		out, err := echo.Submit(bg(), in).Result(bg())
		require.NoError(t, err)
		if i%2 == 0 {
			held = append(held, out) // and the odd ones are dropped
		}
		runtime.GC()
	}
	for k, out := range held {
		want := pattern(1 << 20)
		want[0] = byte(2 * k)
		require.True(t, bytes.Equal(want, out), "output %d, held, was written over", 2*k)
	}
}
