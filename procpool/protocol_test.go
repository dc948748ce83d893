package procpool_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

func TestStrayStdoutGoesToStderr(t *testing.T) {
	p, stderr := newPool(t, strayTask, procpool.Workers(1))
	outs, err := p.Map(bg(), ints(100))
	require.NoError(t, err, "stray output must not corrupt the protocol")
	assert.Equal(t, ints(100), outs)
	for _, want := range []string{"] stray fmt.Println 99", "] stray log line 99", "] stray raw write to fd 1"} {
		eventually(t, 5*time.Second, func() bool { return strings.Contains(stderr.String(), want) },
			"stray output %q is not forwarded with the worker's prefix", want)
	}
	assert.Regexp(t, `(?m)^\[procpool pid \d+\] stray fmt.Println 0$`, stderr.String())
}

func TestLargePayload(t *testing.T) {
	p, _ := newPool(t, echoTask, procpool.Workers(1))
	in := bytes.Repeat([]byte("0123456789abcdef"), 2<<20) // 32 MiB
	out, err := p.Submit(bg(), in).Result(bg())
	require.NoError(t, err)
	assert.True(t, bytes.Equal(in, out), "32 MiB round trip")
}

// TestLargeRequestsBackToBack sends requests larger than the write buffer:
// they are written while they are encoded, so the reply can arrive before
// Send returns, and must find its request in flight.
func TestLargeRequestsBackToBack(t *testing.T) {
	p, _ := newPool(t, echoTask, procpool.Workers(1))
	in := bytes.Repeat([]byte{7}, 1<<20)
	for i := range 40 {
		out, err := p.Submit(bg(), in).Result(bg())
		require.NoError(t, err, "round trip %d", i)
		require.Len(t, out, len(in))
	}
	assert.Zero(t, p.Stats().Died)
}

func TestPayloadOverLimitFailsThatInputOnly(t *testing.T) {
	p, _ := newPool(t, echoTask, procpool.Workers(1), procpool.MaxMessage(1<<20))
	_, err := p.Submit(bg(), make([]byte, 2<<20)).Result(bg())
	require.ErrorIs(t, err, procpool.ErrEncode)
	assert.Contains(t, err.Error(), "exceeds the size limit")
	out, err := p.Submit(bg(), []byte("small")).Result(bg())
	require.NoError(t, err)
	assert.Equal(t, "small", string(out))
	assert.Equal(t, uint64(0), p.Stats().Died, "nothing reached a worker")
}

func TestUnencodableInputFailsAtOnce(t *testing.T) {
	p, _ := newPool(t, chanTask, procpool.Workers(1))
	_, err := p.Submit(bg(), make(chan int)).Result(bg())
	require.ErrorIs(t, err, procpool.ErrEncode)
	assert.Contains(t, err.Error(), "chan")

	// In a batch, only the bad input fails.
	var fails []int
	i := 0
	for _, err := range p.MapSeq(bg(), func(yield func(any) bool) {
		for k := range 10 {
			var v any = k
			if k == 4 {
				v = func() {}
			}
			if !yield(v) {
				return
			}
		}
	}) {
		if err != nil {
			assert.ErrorIs(t, err, procpool.ErrEncode)
			fails = append(fails, i)
		}
		i++
	}
	assert.Equal(t, []int{4}, fails)
	assert.Equal(t, 10, i)
}
