package wire

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// loop returns a Conn that reads what it writes.
func loop(max int) (*Conn, *bytes.Buffer) {
	var buf bytes.Buffer
	return NewConn(&buf, &buf, max), &buf
}

func TestMessagesRoundTrip(t *testing.T) {
	c, _ := loop(1 << 20)
	require.NoError(t, c.Send(&Hello{PID: 7, Host: "h", Tasks: []string{"a", "b"}}))
	require.NoError(t, c.Send(&Request[int]{Kind: Run, ID: 3, Ins: []int{1, 2, 3}}))
	require.NoError(t, c.Send(&Request[int]{Kind: Cancel, ID: 3}))
	require.NoError(t, c.Flush())

	var h Hello
	require.NoError(t, c.Receive(&h))
	assert.Equal(t, Hello{PID: 7, Host: "h", Tasks: []string{"a", "b"}}, h)
	var r Request[int]
	require.NoError(t, c.Receive(&r))
	assert.Equal(t, Request[int]{Kind: Run, ID: 3, Ins: []int{1, 2, 3}}, r)
	var cancel Request[int]
	require.NoError(t, c.Receive(&cancel))
	assert.Equal(t, Cancel, cancel.Kind)
	assert.ErrorIs(t, c.Receive(&cancel), io.EOF, "a clean end of stream is io.EOF")
}

func TestSendTooLargeLeavesStreamUsable(t *testing.T) {
	c, _ := loop(1024)
	err := c.Send(&Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{make([]byte, 4096)}})
	require.ErrorIs(t, err, ErrTooLarge)
	require.NoError(t, c.Send(&Request[[]byte]{Kind: Run, ID: 2, Ins: [][]byte{[]byte("ok")}}))
	require.NoError(t, c.Flush())
	var r Request[[]byte]
	require.NoError(t, c.Receive(&r))
	assert.Equal(t, uint64(2), r.ID, "the refused message left nothing on the stream")
}

func TestSendUnencodableLeavesStreamUsable(t *testing.T) {
	c, _ := loop(1 << 20)
	require.Error(t, c.Send(&Request[any]{Kind: Run, ID: 1, Ins: []any{make(chan int)}}))
	require.Error(t, c.Send((*Hello)(nil)), "a nil pointer is an error, not a panic")
	require.NoError(t, c.Send(&Request[any]{Kind: Run, ID: 2}))
	require.NoError(t, c.Flush())
	var r Request[any]
	require.NoError(t, c.Receive(&r))
	assert.Equal(t, uint64(2), r.ID)
}

func TestGarbageIsQuoted(t *testing.T) {
	c := NewConn(strings.NewReader("hello, I am not a frame\n"), io.Discard, 1<<20)
	var h Hello
	err := c.Receive(&h)
	var fe *FrameError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, `wire: not a frame: read "hello,", then " I am not a frame\n"`, err.Error())
}

func TestFrameOverLimitIsRefusedBeforeReading(t *testing.T) {
	header := []byte{mark[0], mark[1], 0x7f, 0xff, 0xff, 0xff}
	c := NewConn(bytes.NewReader(header), io.Discard, 1<<20)
	var h Hello
	err := c.Receive(&h)
	require.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), "frame of 2147483647 bytes, limit 1048576")
}

func TestPreamble(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WritePreamble(&buf))
	assert.NoError(t, NewConn(&buf, io.Discard, 1024).ReadPreamble(nil, 1024))

	for _, tc := range []struct {
		in   string
		want error
		msg  string
	}{
		{"", io.EOF, "EOF"},
		{"POOLKIT 9\n", &VersionError{}, "wire: worker speaks protocol version 9, parent speaks 2"},
		{"hello\n", &PreambleError{}, `wire: expected the worker preamble "POOLKIT 2\n", read "hello\n"`},
		{"POOLKIT x\n", &PreambleError{}, `read "POOLKIT x\n"`},
		{strings.Repeat("y", 100), &PreambleError{}, strings.Repeat("y", 64) + `"`},
		{strings.Repeat("z\n", 600), &PreambleError{}, `read "z\nz\n`},
	} {
		err := NewConn(strings.NewReader(tc.in), io.Discard, 1024).ReadPreamble(nil, 1024)
		require.Error(t, err, tc.in)
		switch want := tc.want.(type) {
		case *VersionError:
			assert.ErrorAs(t, err, &want)
		case *PreambleError:
			assert.ErrorAs(t, err, &want)
		default:
			assert.True(t, errors.Is(err, tc.want), "%q: %v", tc.in, err)
		}
		assert.Contains(t, err.Error(), tc.msg)
	}
}

func TestPreambleAfterStrayOutput(t *testing.T) {
	var skipped bytes.Buffer
	in := "hello from an init function\nno newline, then POOLKIT 2\n"
	assert.NoError(t, NewConn(strings.NewReader(in), io.Discard, 1024).ReadPreamble(&skipped, 1024),
		"what a worker prints before the preamble is passed on, not an error")
	assert.Equal(t, "hello from an init function\nno newline, then ", skipped.String())
}

func TestReceivePanicIsAReadError(t *testing.T) {
	c, _ := loop(1 << 20)
	require.NoError(t, c.Send(&Request[panicky]{Kind: Run, ID: 1, Ins: []panicky{{}}}))
	require.NoError(t, c.Flush())
	var r Request[panicky]
	err := c.Receive(&r)
	var re *ReadError
	require.ErrorAs(t, err, &re, "a decoder that panics ends the stream, it does not end the program")
	assert.Contains(t, err.Error(), "panicked: refusing")
	assert.Error(t, c.Receive(&r), "the stream stays ended")
}

// panicky panics when it is decoded.
type panicky struct{}

func (panicky) GobEncode() ([]byte, error) { return []byte{1}, nil }
func (*panicky) GobDecode([]byte) error    { panic("refusing") }

// brokenWriter fails every write.
type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteErrorsAreWriteError(t *testing.T) {
	c := NewConn(strings.NewReader(""), brokenWriter{}, 1<<20)
	require.NoError(t, c.Send(&Hello{PID: 1}), "Send only buffers")
	err := c.Flush()
	var we *WriteError
	require.ErrorAs(t, err, &we)
	assert.ErrorIs(t, err, io.ErrClosedPipe)
}

func TestFrameMustHoldOneGobMessage(t *testing.T) {
	// A small frame whose gob length prefix claims ~2 GB: gob would
	// allocate that much before reading, so the reader refuses it.
	lie := []byte{mark[0], mark[1], 0, 0, 0, 5, 0xfc, 0x7f, 0xff, 0xff, 0xff}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var h Hello
	err := NewConn(bytes.NewReader(lie), io.Discard, 1<<20).Receive(&h)
	runtime.ReadMemStats(&after)
	var fe *FrameError
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, err.Error(), "frame of 5 bytes does not hold one gob message")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "the reader allocated past the limit")
}
