package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
)

// chunker cuts a stream into chunks of whole lines. It holds one chunk at
// a time; the engine's window decides how many are alive at once.
type chunker struct {
	r    *bufio.Reader
	size int
	err  error // the read error that ended the chunks, if any
}

func newChunker(r io.Reader, size int) *chunker {
	return &chunker{r: bufio.NewReaderSize(r, 64<<10), size: size}
}

// All yields the chunks in order: each about size bytes, extended to the
// end of its last line. The chunks are fresh slices the consumer may keep.
// After the loop, Err reports a read error that cut it short.
func (c *chunker) All() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for {
			chunk, err := c.next()
			if len(chunk) > 0 && !yield(chunk) {
				return
			}
			if err != nil {
				if err != io.EOF {
					c.err = fmt.Errorf("reading the log: %w", err)
				}
				return
			}
		}
	}
}

// Err returns the error that ended All early, or nil at the end of input.
func (c *chunker) Err() error { return c.err }

// next reads the next chunk. At the end of input it returns what is left
// and io.EOF.
func (c *chunker) next() ([]byte, error) {
	buf := make([]byte, c.size, c.size+256)
	n, err := io.ReadFull(c.r, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return buf[:n], io.EOF
	}
	if err != nil {
		return nil, err
	}
	if buf[n-1] == '\n' {
		return buf, nil
	}
	rest, err := c.r.ReadBytes('\n')
	return append(buf, rest...), err
}
