package main

import (
	"bytes"
	"context"
	"regexp"
)

// requestLine matches a request line of the log and captures the level,
// method, path, status and error code (if any). It is the definition of a
// request line: scanChunk does not run it, but parseRequest, which does,
// must agree with it on every input (parse_test.go checks that they do,
// on generated logs, on near misses and under the fuzzer).
var requestLine = regexp.MustCompile(
	`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARN|ERROR) +req=[0-9a-f]+ ` +
		`(GET|POST|PUT|DELETE) (/\S*) status=(\d{3}) bytes=\d+ dur=\d+ms(?: err=(E\d{4}))?`)

// Tally is what a scan of some lines found. Tallies of consecutive chunks
// add up with merge.
type Tally struct {
	Bytes    int64
	Lines    int64
	Requests int64
	// Errors counts the failed requests by error code and endpoint.
	Errors map[string]map[string]int64
}

// scanChunk tallies the lines of chunk, which holds whole lines. It is the
// task that both engines run. It counts what requestLine.FindSubmatch on
// each line would count, with parseRequest in place of the regexp.
func scanChunk(ctx context.Context, chunk []byte) (Tally, error) {
	t := Tally{Bytes: int64(len(chunk)), Errors: make(map[string]map[string]int64)}
	var c errorCounter
	for len(chunk) > 0 {
		if t.Lines%4096 == 0 && ctx.Err() != nil {
			return Tally{}, ctx.Err()
		}
		var line []byte
		line, chunk = cutLine(chunk)
		t.Lines++
		r, ok := parseRequest(line)
		if !ok {
			continue
		}
		t.Requests++
		if r.code != nil {
			c.add(t.Errors, r)
		}
	}
	return t, nil
}

// errorCounter counts failed requests into a Tally's Errors without
// allocating for an endpoint it has seen before. Its zero value is ready.
type errorCounter struct {
	key  []byte            // "METHOD normalized-path" of the current request
	keys map[string]string // each endpoint key seen, to index maps without a conversion
}

// add counts the failed request r in errors, by code and endpoint.
func (c *errorCounter) add(errors map[string]map[string]int64, r request) {
	byEndpoint := errors[string(r.code)]
	if byEndpoint == nil {
		byEndpoint = make(map[string]int64)
		errors[string(r.code)] = byEndpoint
	}
	c.key = appendNormalized(append(append(c.key[:0], r.method...), ' '), r.path)
	key, ok := c.keys[string(c.key)]
	if !ok {
		if c.keys == nil {
			c.keys = make(map[string]string)
		}
		key = string(c.key)
		c.keys[key] = key
	}
	byEndpoint[key]++
}

// appendNormalized appends path to b with its numeric segments replaced
// by ":id". A segment is what lies between two slashes, or between a slash
// and an end of path; it is numeric if it is not empty and holds ASCII
// digits only.
func appendNormalized(b, path []byte) []byte {
	for {
		seg, rest, more := bytes.Cut(path, slash)
		if len(seg) > 0 && allDigits(seg) {
			b = append(b, ":id"...)
		} else {
			b = append(b, seg...)
		}
		if !more {
			return b
		}
		b = append(b, '/')
		path = rest
	}
}

var slash = []byte{'/'}

// merge adds u into t.
func (t *Tally) merge(u Tally) {
	t.Bytes += u.Bytes
	t.Lines += u.Lines
	t.Requests += u.Requests
	if t.Errors == nil {
		t.Errors = make(map[string]map[string]int64)
	}
	for code, byEndpoint := range u.Errors {
		if t.Errors[code] == nil {
			t.Errors[code] = make(map[string]int64)
		}
		for e, n := range byEndpoint {
			t.Errors[code][e] += n
		}
	}
}

// cutLine returns the first line of chunk, without its newline, and what
// follows it.
func cutLine(chunk []byte) (line, rest []byte) {
	if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
		return chunk[:i], chunk[i+1:]
	}
	return chunk, nil
}
