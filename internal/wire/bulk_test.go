package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"runtime"
	"strconv"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type blob []byte

type text string

// pipeSize is the default capacity of a Linux pipe.
const pipeSize = 64 << 10

// bulkSizes are the payload sizes the raw framing must carry: empty, tiny,
// both sides of the size from which values go raw, of the write buffer
// and a pipe, and a MiB.
var bulkSizes = []int{0, 1, bulkMin - 1, bulkMin, pipeSize - 1, pipeSize, pipeSize + 1, 1 << 20}

// payload returns n bytes that differ from one position to the next.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// gobOnly returns a looped Conn that sends every value through gob, as
// before raw frames: what a round trip gives today.
func gobOnly(max int) *Conn {
	c, _ := loop(max)
	c.bulkMin = math.MaxInt
	return c
}

// roundTrip sends msg on c and receives it into a new value of its type.
func roundTrip[M any](t *testing.T, c *Conn, msg *M) *M {
	t.Helper()
	require.NoError(t, c.Send(msg))
	require.NoError(t, c.Flush())
	got := new(M)
	require.NoError(t, c.Receive(got))
	return got
}

func TestBulkRoundTrip(t *testing.T) {
	for _, n := range bulkSizes {
		p := payload(n)
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			c := func() *Conn { c, _ := loop(4 << 20); return c }
			// What gob alone gives is what the raw frames must give: an
			// empty slice arrives nil, as it always has.
			req := &Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{p, []byte("small"), p}, N: 3}
			got := roundTrip(t, c(), req)
			assert.Equal(t, roundTrip(t, gobOnly(4<<20), req), got)
			if n > 0 {
				assert.Equal(t, req, got)
			}
			sreq := &Request[string]{Kind: Run, ID: 2, Ins: []string{string(p)}, N: 1}
			assert.Equal(t, sreq, roundTrip(t, c(), sreq))
			rep := &Reply[blob]{ID: 3, N: 2, Outs: []blob{p, blob(p[:n/2])}, Last: true}
			assert.Equal(t, roundTrip(t, gobOnly(4<<20), rep), roundTrip(t, c(), rep))
			trep := &Reply[text]{ID: 4, N: 2, Outs: []text{text(p)}, Nils: []int{1}}
			assert.Equal(t, trep, roundTrip(t, c(), trep))
		})
	}
}

func TestBulkKeepsNilAndEmptyAsGobDoes(t *testing.T) {
	big := payload(bulkMin)
	msg := &Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{nil, {}, big, nil}, N: 4}
	want := roundTrip(t, gobOnly(1<<20), msg)
	c, _ := loop(1 << 20)
	assert.Equal(t, want, roundTrip(t, c, msg), "raw frames change nothing a receiver sees")
}

func TestBulkGoesRaw(t *testing.T) {
	p := payload(1 << 20)
	msg := &Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{p}, N: 1}
	discard := NewConn(bytes.NewReader(nil), io.Discard, 4<<20)
	require.NoError(t, discard.Send(msg)) // the type definitions
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	require.NoError(t, discard.Send(msg))
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<10), "Send copied the payload")

	c, buf := loop(4 << 20)
	require.NoError(t, c.Send(msg))
	require.NoError(t, c.Flush())
	i := bytes.Index(buf.Bytes(), p)
	require.GreaterOrEqual(t, i, headerLen, "the payload is on the stream as it is")
	assert.Equal(t, rawMark[:], buf.Bytes()[i-headerLen:i-headerLen+2], "after a raw frame header")
	assert.Equal(t, uint32(len(p)), binary.BigEndian.Uint32(buf.Bytes()[i-4:i]))
}

func TestBulkLeavesCallersValuesAlone(t *testing.T) {
	p := payload(bulkMin)
	ins := [][]byte{p, p}
	c, _ := loop(1 << 20)
	require.NoError(t, c.Send(&Request[[]byte]{Kind: Run, ID: 1, Ins: ins, N: 2}))
	assert.Equal(t, [][]byte{p, p}, ins)
}

// sealed is a byte slice that gob encodes with its own methods, which
// flip every bit.
type sealed []byte

func (s sealed) GobEncode() ([]byte, error) { return flip(s), nil }
func (s *sealed) GobDecode(b []byte) error  { *s = flip(b); return nil }

func flip(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = ^c
	}
	return out
}

func TestBulkSelfEncodingTypesGoThroughGob(t *testing.T) {
	p := payload(bulkMin)
	c, buf := loop(1 << 20)
	require.NoError(t, c.Send(&Reply[sealed]{ID: 1, N: 1, Outs: []sealed{p}}))
	require.NoError(t, c.Flush())
	assert.False(t, bytes.Contains(buf.Bytes(), p), "the type's own encoding was bypassed")
	var got Reply[sealed]
	require.NoError(t, c.Receive(&got))
	assert.Equal(t, []sealed{p}, got.Outs)
	assert.Equal(t, notBulk, shapeOf[sealed]())
	assert.Equal(t, notBulk, shapeOf[net.IP](), "net.IP has MarshalText")
	assert.Equal(t, bulkBytes, shapeOf[blob]())
	assert.Equal(t, bulkText, shapeOf[text]())
}

func TestBulkOverLimitLeavesStreamUsable(t *testing.T) {
	c, _ := loop(64 << 10)
	err := c.Send(&Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{payload(40 << 10), payload(40 << 10)}, N: 2})
	require.ErrorIs(t, err, ErrTooLarge, "the raw values count toward the limit")
	assert.Regexp(t, `^wire: message exceeds the size limit: 819\d\d bytes, limit 65536$`, err.Error())
	err = c.Send(&Reply[string]{ID: 1, N: 1, Outs: []string{string(payload(1 << 20))}})
	require.ErrorIs(t, err, ErrTooLarge)

	ok := &Request[[]byte]{Kind: Run, ID: 2, Ins: [][]byte{payload(60 << 10)}, N: 1}
	assert.Equal(t, ok, roundTrip(t, c, ok), "the refused messages left nothing on the stream")
}

func TestBulkAtTheLimit(t *testing.T) {
	const limit = 64 << 10
	probe := &Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{payload(bulkMin)}, N: 1}
	c, buf := loop(limit)
	roundTrip(t, c, probe)
	roundTrip(t, c, probe) // now without type definitions
	buf.Reset()
	require.NoError(t, c.Send(probe))
	require.NoError(t, c.Flush())
	overhead := buf.Len() - 2*headerLen - bulkMin // the value message's gob bytes

	fits := &Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{payload(limit - overhead)}, N: 1}
	buf.Reset()
	assert.Equal(t, fits, roundTrip(t, c, fits), "a message and its raw value may fill the limit exactly")
	over := &Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{payload(limit - overhead + 1)}, N: 1}
	assert.ErrorIs(t, c.Send(over), ErrTooLarge, "one byte more is refused")
}

// rawFrame returns a raw frame holding p.
func rawFrame(p []byte) []byte {
	return append(binary.BigEndian.AppendUint32(rawMark[:], uint32(len(p))), p...)
}

func TestBulkReaderRefusesRawValuesPastTheLimit(t *testing.T) {
	// A peer that announces two raw values and sends them larger than the
	// limit allows together: the reader refuses the second before reading it.
	msg := frames(&Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{nil, nil}, N: 2, Bulk: []int{0, 1}})
	stream := append(msg, rawFrame(make([]byte, 40<<10))...)
	stream = append(stream, binary.BigEndian.AppendUint32(rawMark[:], 40<<10)...)
	var r Request[[]byte]
	err := NewConn(bytes.NewReader(stream), io.Discard, fuzzLimit).Receive(&r)
	var re *ReadError
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), "40960 more bytes of raw values after")
}

func TestBulkReaderNeedsTheRawFrames(t *testing.T) {
	msg := frames(&Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{nil}, N: 1, Bulk: []int{0}})
	for _, tc := range []struct {
		name  string
		after []byte
		want  string
	}{
		{"stream ends", nil, "unexpected EOF"},
		{"stream ends inside the value", rawFrame(payload(100))[:50], "unexpected EOF"},
		{"a message instead", frames(&Request[[]byte]{Kind: Cancel, ID: 1}), "a message where a raw frame should be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Request[[]byte]
			err := NewConn(bytes.NewReader(append(bytes.Clone(msg), tc.after...)), io.Discard, fuzzLimit).Receive(&r)
			var re *ReadError
			require.ErrorAs(t, err, &re, "the stream cannot go on")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestRawFrameWhereAMessageShouldBe(t *testing.T) {
	var h Hello
	err := NewConn(bytes.NewReader(rawFrame([]byte("xyz"))), io.Discard, fuzzLimit).Receive(&h)
	var fe *FrameError
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, err.Error(), "a raw frame where a message should be")
}

func TestBulkMessageThatCannotBeDecodedIsSkippedWhole(t *testing.T) {
	c, _ := loop(1 << 20)
	p := payload(bulkMin)
	require.NoError(t, c.Send(&Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{p, p}, N: 2}))
	require.NoError(t, c.Send(&Request[[]byte]{Kind: Run, ID: 2, Ins: [][]byte{p}, N: 1}))
	require.NoError(t, c.Flush())

	var wrong Request[int] // gob cannot put byte slices in ints
	err := c.Receive(&wrong)
	require.Error(t, err)
	var re *ReadError
	require.False(t, errors.As(err, &re), "the message arrived whole: %v", err)
	var r Request[[]byte]
	require.NoError(t, c.Receive(&r), "its raw frames are skipped")
	assert.Equal(t, &Request[[]byte]{Kind: Run, ID: 2, Ins: [][]byte{p}, N: 1}, &r)
}

func TestBulkPositionsMustFit(t *testing.T) {
	for _, bulk := range [][]int{{1}, {-1}, {0, 0}} {
		msg := frames(&Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{nil}, N: 1, Bulk: bulk},
			&Request[[]byte]{Kind: Cancel, ID: 1})
		c := NewConn(bytes.NewReader(append(msg, rawFrame([]byte("x"))...)), io.Discard, fuzzLimit)
		var r Request[[]byte]
		err := c.Receive(&r)
		require.Error(t, err, "%v", bulk)
		assert.Contains(t, err.Error(), "do not fit")
		var cancel Request[[]byte]
		assert.NoError(t, c.Receive(&cancel), "%v: the next message is read", bulk)
	}
}

func TestBulkForATypeThatIsNotBytes(t *testing.T) {
	msg := frames(&Request[int]{Kind: Run, ID: 1, Ins: []int{0}, N: 1, Bulk: []int{0}})
	var r Request[int]
	err := NewConn(bytes.NewReader(append(msg, rawFrame([]byte("x"))...)), io.Discard, fuzzLimit).Receive(&r)
	assert.ErrorContains(t, err, "not a []byte or a string")
}

type celsius float64

// rounded is a number that gob encodes with its own methods.
type rounded float64

func (r rounded) GobEncode() ([]byte, error) { return []byte{byte(r)}, nil }
func (r *rounded) GobDecode(b []byte) error  { *r = rounded(b[0]); return nil }

// flatLoop returns a looped Conn that sends slices of numbers as their
// memory, as a worker of the parent's GOARCH does.
func flatLoop(max int) (*Conn, *bytes.Buffer) {
	c, buf := loop(max)
	c.SetFlat(true)
	return c, buf
}

func TestFlatNumbersArriveAsGobGivesThem(t *testing.T) {
	c := func() *Conn { c, _ := flatLoop(1 << 20); return c }
	for _, n := range []int{0, 1, flatMin - 1, flatMin, 1000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			ints := make([]int, n)
			floats := make([]celsius, n)
			flags := make([]bool, n)
			cs := make([]complex128, n)
			for i := range n {
				ints[i], floats[i], flags[i], cs[i] = i*i-500, celsius(i)/3, i%3 == 0, complex(float64(i), -1)
			}
			req := &Request[int]{Kind: Run, ID: 1, Ins: ints, N: n}
			assert.Equal(t, roundTrip(t, gobOnly(1<<20), req), roundTrip(t, c(), req))
			rep := &Reply[celsius]{ID: 2, N: n, Outs: floats, Last: true}
			assert.Equal(t, roundTrip(t, gobOnly(1<<20), rep), roundTrip(t, c(), rep))
			assert.Equal(t, roundTrip(t, gobOnly(1<<20), &Reply[bool]{ID: 3, Outs: flags}), roundTrip(t, c(), &Reply[bool]{ID: 3, Outs: flags}))
			assert.Equal(t, roundTrip(t, gobOnly(1<<20), &Request[complex128]{ID: 4, Ins: cs}), roundTrip(t, c(), &Request[complex128]{ID: 4, Ins: cs}))
		})
	}
}

func TestFlatNumbersGoAsTheirMemoryOnlyWhenSetAndEnough(t *testing.T) {
	ins := make([]uint64, flatMin)
	for i := range ins {
		ins[i] = 0x0102030405060708 + uint64(i)
	}
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&ins[0])), len(ins)*8)
	c, buf := flatLoop(1 << 20)
	require.NoError(t, c.Send(&Request[uint64]{Kind: Run, ID: 1, Ins: ins, N: len(ins)}))
	require.NoError(t, c.Flush())
	i := bytes.Index(buf.Bytes(), mem)
	require.GreaterOrEqual(t, i, headerLen, "the inputs are on the stream as their memory")
	assert.Equal(t, rawMark[:], buf.Bytes()[i-headerLen:i-headerLen+2], "after a raw frame header")

	for name, c := range map[string]*Conn{"not set": gobOnly(1 << 20), "too few": func() *Conn { c, _ := flatLoop(1 << 20); return c }()} {
		few := ins
		if name == "too few" {
			few = ins[:flatMin-1]
		}
		require.NoError(t, c.Send(&Request[uint64]{Kind: Run, ID: 1, Ins: few, N: len(few)}))
		require.NoError(t, c.Flush())
		var got Request[uint64]
		require.NoError(t, c.Receive(&got))
		assert.Equal(t, few, got.Ins, name)
	}
}

func TestFlatLeavesOtherTypesToGob(t *testing.T) {
	assert.False(t, isNumber[string]())
	assert.False(t, isNumber[*int]())
	assert.False(t, isNumber[struct{ A int }]())
	assert.False(t, isNumber[uintptr]())
	assert.False(t, isNumber[rounded](), "a number gob leaves to its own methods")
	assert.True(t, isNumber[celsius]())
	assert.True(t, isNumber[int8]())
}

func TestFlatFrameMustFitTheType(t *testing.T) {
	msg := frames(&Request[int]{Kind: Run, ID: 1, N: 1, Flat: true})
	var r Request[int]
	err := NewConn(bytes.NewReader(append(msg, rawFrame([]byte("xyz"))...)), io.Discard, fuzzLimit).Receive(&r)
	assert.ErrorContains(t, err, "raw frame of 3 bytes for values of 8 bytes")

	smsg := frames(&Request[string]{Kind: Run, ID: 1, N: 1, Flat: true})
	var s Request[string]
	err = NewConn(bytes.NewReader(append(smsg, rawFrame([]byte("x"))...)), io.Discard, fuzzLimit).Receive(&s)
	assert.ErrorContains(t, err, "not numbers")
}
