package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
)

// requestLine matches a request line of the log and captures the level,
// method, path, status and error code (if any).
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
// task that both engines run.
func scanChunk(ctx context.Context, chunk []byte) (Tally, error) {
	t := Tally{Bytes: int64(len(chunk)), Errors: make(map[string]map[string]int64)}
	for len(chunk) > 0 {
		if t.Lines%4096 == 0 && ctx.Err() != nil {
			return Tally{}, ctx.Err()
		}
		line := chunk
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			line, chunk = chunk[:i], chunk[i+1:]
		} else {
			chunk = nil
		}
		t.Lines++
		t.add(requestLine.FindSubmatch(line))
	}
	return t, nil
}

// add counts the request that m, the submatches of requestLine, describe.
func (t *Tally) add(m [][]byte) {
	if m == nil {
		return
	}
	t.Requests++
	code := m[5]
	if len(code) == 0 {
		return
	}
	byEndpoint := t.Errors[string(code)]
	if byEndpoint == nil {
		byEndpoint = make(map[string]int64)
		t.Errors[string(code)] = byEndpoint
	}
	byEndpoint[string(m[2])+" "+normalize(string(m[3]))]++
}

// normalize replaces the numeric segments of path with ":id".
func normalize(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			segs[i] = ":id"
		}
	}
	return strings.Join(segs, "/")
}

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
