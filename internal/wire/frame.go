package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const headerLen = 6 // mark (2 bytes) and payload length (4 bytes, big endian)

// A frame's mark says what it holds: one gob message, or the bytes of one
// value that follow a gob message raw (see bulkMin).
var (
	mark    = [2]byte{0xB7, 0x0C}
	rawMark = [2]byte{0xB7, 0x0D}
)

// ErrTooLarge is returned when a message exceeds the connection's limit.
var ErrTooLarge = errors.New("wire: message exceeds the size limit")

// FrameError reports bytes on the pipe that are not a frame.
type FrameError struct {
	Header []byte // the six bytes read where a frame header should be
	Next   []byte // up to 64 bytes that followed, if they were already read
	Reason string
}

func (e *FrameError) Error() string {
	return fmt.Sprintf("wire: %s: read %q, then %q", e.Reason, e.Header, e.Next)
}

// frameWriter frames each Write as one message and buffers it until Flush.
// gob writes every message with a single Write, so one gob message is one
// frame.
type frameWriter struct {
	w    *bufio.Writer
	max  int
	raw  int      // bytes of raw frames that will follow the next value message
	lane *laneOut // where large raw values go, if the peer shares one
}

// WriteError reports that the peer could not be written to: the pipe is
// broken, so the connection is finished.
type WriteError struct {
	Err error
}

func (e *WriteError) Error() string { return "wire: writing to the peer: " + e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

// Write writes p, one gob message, as a frame. A value message and the
// raw frames announced to follow it are bounded together by the limit.
func (f *frameWriter) Write(p []byte) (int, error) {
	size := len(p)
	if !isTypeDef(p) {
		size += f.raw
	}
	if size > f.max {
		return 0, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, size, f.max)
	}
	return f.frame(mark, p)
}

// frame writes p after a header with mark m.
func (f *frameWriter) frame(m [2]byte, p []byte) (int, error) {
	var h [headerLen]byte
	copy(h[:], m[:])
	binary.BigEndian.PutUint32(h[2:], uint32(len(p)))
	if _, err := f.w.Write(h[:]); err != nil {
		return 0, &WriteError{err}
	}
	// A p larger than the buffer's room tops it up, and the rest goes to
	// the pipe from p itself.
	n, err := f.w.Write(p)
	if err != nil {
		return n, &WriteError{err}
	}
	return n, nil
}

// isTypeDef reports whether p, a gob message with its length, defines a
// type rather than carrying a value: its type id is negative.
func isTypeDef(p []byte) bool {
	_, size, ok := gobUint(p)
	if !ok {
		return false
	}
	id, _, ok := gobUint(p[size:])
	return ok && id&1 == 1 // gob keeps an int's sign in its lowest bit
}

// frameReader strips the frames and serves the payloads of gob frames as
// one stream; raw frames it reads with readRaw.
type frameReader struct {
	r       *bufio.Reader
	max     int
	left    int // payload bytes of the current frame not yet read
	last    int // payload bytes of the last gob frame
	hdr     [headerLen]byte
	skipRaw bool    // raw frames that follow belong to a message that was refused
	lane    *laneIn // where the peer puts large raw values, if it shares one
	err     error   // the first error reading the stream; it sticks
}

// next reads the header of the next gob frame, skipping the raw frames
// of a refused message.
func (f *frameReader) next() error {
	h, n, err := f.header(f.max)
	for err == nil && f.skipRaw && [2]byte(h) != mark {
		if err = f.skip(h, n); err == nil {
			h, n, err = f.header(f.max)
		}
	}
	switch {
	case err != nil:
		return err
	case [2]byte(h) != mark:
		return f.garbage(h, "a raw frame where a message should be")
	}
	if err := f.checkGobLength(n); err != nil {
		return err
	}
	f.left, f.last, f.skipRaw = n, n, false
	return nil
}

// header reads a frame header and returns it and the length it gives,
// which may not exceed limit.
func (f *frameReader) header(limit int) ([]byte, int, error) {
	h := f.hdr[:]
	if n, err := io.ReadFull(f.r, h); err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, 0, &FrameError{Header: append([]byte(nil), h[:n]...), Reason: "stream ends inside a frame header"}
		}
		return nil, 0, err
	}
	if [2]byte(h) != mark && [2]byte(h) != rawMark && [2]byte(h) != laneMark {
		return nil, 0, f.garbage(h, "not a frame")
	}
	n := int(binary.BigEndian.Uint32(h[2:]))
	if n > limit {
		return nil, 0, fmt.Errorf("%w: frame of %d bytes, limit %d", ErrTooLarge, n, limit)
	}
	return h, n, nil
}

// readRaw reads the next frame, which must be raw, into a new slice. The
// message it follows and the raw frames before it left room bytes of the
// limit.
func (f *frameReader) readRaw(room int) ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	h, n, err := f.header(f.max)
	switch {
	case err != nil:
	case [2]byte(h) == mark:
		err = f.garbage(h, "a message where a raw frame should be")
	case n > room:
		err = fmt.Errorf("%w: %d more bytes of raw values after %d, limit %d", ErrTooLarge, n, f.max-room, f.max)
	}
	if err != nil {
		return nil, f.fail(unexpected(err))
	}
	if [2]byte(h) == laneMark {
		b, err := f.readLane(n)
		return b, f.fail(unexpected(err))
	}
	b := newValue(n)
	if _, err := io.ReadFull(f.r, b); err != nil {
		return nil, f.fail(unexpected(err))
	}
	return b, nil
}

// skip passes over a raw or lane frame whose header h, for a value of n
// bytes, was just read.
func (f *frameReader) skip(h []byte, n int) error {
	if [2]byte(h) == rawMark {
		_, err := f.r.Discard(n)
		return err
	}
	if f.lane == nil {
		return f.garbage(h, "a lane frame, but there is no lane")
	}
	if _, err := f.r.Discard(laneOffsetLen); err != nil {
		return err
	}
	f.lane.skip(n)
	return nil
}

// unexpected turns the end of the stream into an unexpected one: a
// message announced the raw frame it was to be.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// checkGobLength checks that a frame of n bytes holds exactly one gob
// message: gob allocates a buffer of the length a message announces before
// reading it, so a length that disagrees with the frame could make the
// reader allocate past the limit.
func (f *frameReader) checkGobLength(n int) error {
	head, err := f.r.Peek(min(n, 9))
	if err != nil {
		return &FrameError{Header: head, Reason: "stream ends inside a frame"}
	}
	length, size, ok := gobUint(head)
	if !ok || uint64(n-size) != length {
		return f.garbage(head, fmt.Sprintf("frame of %d bytes does not hold one gob message", n))
	}
	return nil
}

// gobUint decodes the unsigned integer gob puts before each message: one
// byte below 128, or a negated byte count followed by that many bytes.
func gobUint(b []byte) (v uint64, size int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	if b[0] < 0x80 {
		return uint64(b[0]), 1, true
	}
	count := int(-int8(b[0]))
	if count < 1 || count > 8 || len(b) < 1+count {
		return 0, 0, false
	}
	for _, c := range b[1 : 1+count] {
		v = v<<8 | uint64(c)
	}
	return v, 1 + count, true
}

// garbage returns a FrameError quoting h and what is already buffered after.
func (f *frameReader) garbage(h []byte, reason string) error {
	next, _ := f.r.Peek(min(f.r.Buffered(), 64))
	return &FrameError{Header: append([]byte(nil), h...), Next: append([]byte(nil), next...), Reason: reason}
}

func (f *frameReader) Read(p []byte) (int, error) {
	if err := f.fill(); err != nil {
		return 0, err
	}
	n, err := f.r.Read(p[:min(len(p), f.left)])
	f.left -= n
	return n, f.fail(err)
}

// ReadByte lets gob read without a second buffer.
func (f *frameReader) ReadByte() (byte, error) {
	if err := f.fill(); err != nil {
		return 0, err
	}
	b, err := f.r.ReadByte()
	if err == nil {
		f.left--
	}
	return b, f.fail(err)
}

// fill makes sure the current frame has bytes left, reading the next
// header if needed.
func (f *frameReader) fill() error {
	for f.err == nil && f.left == 0 {
		f.fail(f.next())
	}
	return f.err
}

// fail records err as the stream's error, if it is one; inside a frame an
// end of stream is unexpected.
func (f *frameReader) fail(err error) error {
	if err == io.EOF && f.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && f.err == nil {
		f.err = err
	}
	return err
}
