package wire

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Version is the protocol version. Parent and worker must speak the same.
const Version = 2

const preamblePrefix = "POOLKIT "

// WritePreamble writes the line a worker starts with.
func WritePreamble(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%s%d\n", preamblePrefix, Version)
	return err
}

// PreambleError reports a worker whose first output is not the preamble:
// a program that is not a worker, or one that printed to stdout first.
type PreambleError struct {
	Read []byte // what was read instead, at most 64 bytes
}

func (e *PreambleError) Error() string {
	return fmt.Sprintf("wire: expected the worker preamble %q, read %q", preamblePrefix+strconv.Itoa(Version)+"\n", e.Read)
}

// VersionError reports a worker that speaks another protocol version.
type VersionError struct {
	Worker, Parent int
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("wire: worker speaks protocol version %d, parent speaks %d", e.Worker, e.Parent)
}

// readPreamble reads up to the preamble line and checks it. What comes
// before it, at most slack bytes, is written to skipped: a worker may print
// to stdout before it takes stdout over. It returns io.EOF if the stream
// ends before anything was read.
func readPreamble(r *bufio.Reader, skipped io.Writer, slack int) error {
	seen := 0
	var first []byte
	for {
		line, err := r.ReadSlice('\n')
		if i := bytes.LastIndex(line, []byte(preamblePrefix)); i >= 0 && err == nil {
			skip(skipped, line[:i])
			return checkPreamble(line[i:])
		}
		if len(first) < 64 {
			first = append(first, line[:min(len(line), 64-len(first))]...)
		}
		seen += len(line)
		skip(skipped, line)
		switch {
		case err == io.EOF && seen == 0:
			return io.EOF
		case err != nil && err != bufio.ErrBufferFull:
			return &PreambleError{Read: first}
		case seen > slack:
			return &PreambleError{Read: first}
		}
	}
}

func skip(w io.Writer, b []byte) {
	if w != nil && len(b) > 0 {
		_, _ = w.Write(b)
	}
}

// checkPreamble checks a preamble line.
func checkPreamble(line []byte) error {
	text, ok := strings.CutPrefix(string(line), preamblePrefix)
	if !ok || !strings.HasSuffix(text, "\n") {
		return &PreambleError{Read: line}
	}
	v, err := strconv.Atoi(strings.TrimSuffix(text, "\n"))
	if err != nil {
		return &PreambleError{Read: line}
	}
	if v != Version {
		return &VersionError{Worker: v, Parent: Version}
	}
	return nil
}
