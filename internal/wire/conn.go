package wire

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
)

// Conn is one direction pair of the protocol: a persistent gob encoder over
// framed writes and a persistent gob decoder over framed reads. Send and
// Flush may be called from one goroutine while Receive is called from
// another; neither side is safe for concurrent use by itself.
type Conn struct {
	fw      *frameWriter
	enc     *gob.Encoder
	fr      *frameReader
	dec     *gob.Decoder
	bulkMin int  // the size from which a value goes raw
	flat    bool // numbers may go as their memory: the peer lays them out as this process does
}

// NewConn returns a Conn that reads from r and writes to w, refusing
// messages larger than max bytes in either direction.
func NewConn(r io.Reader, w io.Writer, max int) *Conn {
	fw := &frameWriter{w: bufio.NewWriterSize(w, 64<<10), max: max}
	fr := &frameReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
	return &Conn{fw: fw, enc: gob.NewEncoder(fw), fr: fr, dec: gob.NewDecoder(fr), bulkMin: bulkMin}
}

// SetLimit changes the size limit for later messages in both directions.
func (c *Conn) SetLimit(max int) {
	c.fw.max, c.fr.max = max, max
}

// SetFlat says whether the peer lays numbers out in memory as this
// process does (it runs on the same GOARCH), so that slices of them can be
// sent as their memory. Receiving them needs no setting.
func (c *Conn) SetFlat(flat bool) {
	c.flat = flat
}

// ReadPreamble reads the worker's preamble; the parent calls it first.
// Up to slack bytes the worker wrote before it go to skipped, which may
// be nil.
func (c *Conn) ReadPreamble(skipped io.Writer, slack int) error {
	return readPreamble(c.fr.r, skipped, slack)
}

// Send encodes v into the write buffer. Nothing reaches the peer until
// Flush, unless the buffer fills: a large []byte or string input of a
// [Request] or output of a [Reply] goes to the peer from v's memory during
// Send, without a copy. Send does not keep v. If v cannot be encoded (gob
// refuses its type, or it exceeds the size limit), Send returns the error
// and the stream stays usable: no part of v was written. A *WriteError
// means the peer is gone.
func (c *Conn) Send(v any) (err error) {
	defer func() {
		if r := recover(); r != nil { // gob panics on some values, such as nil pointers
			err = fmt.Errorf("wire: cannot encode %T: %v", v, r)
		}
	}()
	var raws [][]byte
	if m, ok := v.(carrier); ok {
		v, raws = m.detach(c.bulkMin, c.flat)
	}
	if raws == nil {
		return c.enc.Encode(v)
	}
	for _, b := range raws {
		c.fw.raw += len(b)
	}
	err = c.enc.Encode(v)
	c.fw.raw = 0
	for _, b := range raws {
		if err != nil {
			break
		}
		err = c.fw.value(b)
	}
	return err
}

// Flush writes the buffered messages to the peer. Its errors are
// *WriteError.
func (c *Conn) Flush() error {
	if err := c.fw.w.Flush(); err != nil {
		return &WriteError{err}
	}
	return nil
}

// Buffered reports how many bytes Send has buffered and Flush not written.
func (c *Conn) Buffered() int {
	return c.fw.w.Buffered()
}

// ReadError reports that the stream from the peer ended or broke: garbage,
// a frame over the limit, or an I/O error. Nothing more can be read.
type ReadError struct {
	Err error
}

func (e *ReadError) Error() string { return e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// Receive decodes the next message into v, which must be a pointer. A
// *ReadError (which wraps io.EOF at a clean end) means the stream is
// finished. Any other error means the message arrived whole but could not
// be decoded into v; fields decoded before the failure are set, and the
// next Receive reads the next message.
//
// A panic while decoding (a GobDecode method that panics) is returned as
// a *ReadError: the decoder's state is then unknown, so nothing more can be
// read.
func (c *Conn) Receive(v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.fr.err = fmt.Errorf("wire: decoding %T panicked: %v", v, r)
			err = &ReadError{Err: c.fr.err}
		}
	}()
	err = c.dec.Decode(v)
	if m, ok := v.(carrier); ok && err == nil {
		err = m.attach(c.readRaw)
	}
	if err != nil && c.fr.err != nil {
		return &ReadError{Err: c.fr.err}
	}
	c.fr.skipRaw = err != nil // what is left of the message is of no use
	return err
}

// readRaw reads the next raw value of the message just decoded.
func (c *Conn) readRaw() ([]byte, error) {
	b, err := c.fr.readRaw(c.fr.max - c.fr.last)
	c.fr.last += len(b)
	return b, err
}

// Ready reports whether a message is already buffered, so Receive will
// not wait for the peer.
func (c *Conn) Ready() bool {
	return c.fr.left > 0 || c.fr.r.Buffered() > 0
}
