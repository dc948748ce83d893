package wire

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Version is the protocol version. Parent and worker must speak the same.
const Version = 1

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

// readPreamble reads and checks the preamble line.
func readPreamble(r *bufio.Reader) error {
	var line []byte
	for len(line) < 64 {
		b, err := r.ReadByte()
		if err != nil {
			if err == io.EOF && len(line) == 0 {
				return io.EOF
			}
			return &PreambleError{Read: line}
		}
		line = append(line, b)
		if b == '\n' {
			break
		}
	}
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
