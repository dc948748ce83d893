package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"sync"
)

// Part names a range of the log by its offset and length: the input of a
// task, a few dozen bytes, whatever the size of the range. The worker
// reads the range from the file itself, so the log's bytes never cross a
// pipe, and the operating system's page cache holds them once for all
// the workers.
type Part struct {
	Path string
	Off  int64
	Len  int64
}

// parts cuts a file of size bytes into parts of chunk bytes each, the
// last one shorter. The cuts fall anywhere; a part owns the lines that
// begin inside it (see readLines), so every line is scanned exactly once.
func parts(path string, size, chunk int64) iter.Seq[Part] {
	return func(yield func(Part) bool) {
		for off := int64(0); off < size; off += chunk {
			if !yield(Part{Path: path, Off: off, Len: min(chunk, size-off)}) {
				return
			}
		}
	}
}

// scanPart reads the lines that begin in its part of the log and tallies
// them. It is the task that both engines run.
func scanPart(ctx context.Context, p Part) (Tally, error) {
	f, err := os.Open(p.Path)
	if err != nil {
		return Tally{}, err
	}
	defer f.Close()
	buf := buffers.Get().(*[]byte)
	defer buffers.Put(buf)
	lines, err := readLines(f, p.Off, p.Len, buf)
	if err != nil {
		return Tally{}, fmt.Errorf("reading %s at %d: %w", p.Path, p.Off, err)
	}
	return scanChunk(ctx, lines)
}

// buffers holds the read buffers of scanPart for reuse, so that a worker
// does not allocate a part's worth of memory for every part.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// readLines returns the lines that begin in [off, off+n) of r, whole: a
// line begins at 0 and after every newline, so it reads from the byte
// before off, to learn whether a line begins at off, and on past off+n to
// the end of the last line that begins inside. The result is in *buf,
// which it grows as needed.
func readLines(r io.ReaderAt, off, n int64, buf *[]byte) ([]byte, error) {
	from := max(off-1, 0)
	data, end, err := readAt(r, from, off+n-from, (*buf)[:0])
	for err == nil && !end && data[len(data)-1] != '\n' {
		var more []byte
		at := from + int64(len(data))
		more, end, err = readAt(r, at, 64<<10, data)
		if i := bytes.IndexByte(more[len(data):], '\n'); i >= 0 {
			more = more[:len(data)+i+1]
			data, end = more, true
			break
		}
		data = more
	}
	*buf = data
	if err != nil {
		return nil, err
	}
	if off > 0 { // skip the end of a line that began before off
		i := bytes.IndexByte(data, '\n')
		if i < 0 || int64(i) >= n {
			return nil, nil // no line begins in this part
		}
		data = data[i+1:]
	}
	return data, nil
}

// readAt appends up to n bytes of r at off to buf. It reports end if the
// file ended first.
func readAt(r io.ReaderAt, off, n int64, buf []byte) (_ []byte, end bool, _ error) {
	start := len(buf)
	buf = append(buf, make([]byte, n)...)
	got, err := r.ReadAt(buf[start:], off)
	if errors.Is(err, io.EOF) {
		return buf[:start+got], true, nil
	}
	return buf[:start+got], false, err
}
