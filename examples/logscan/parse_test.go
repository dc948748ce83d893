package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceScan is scanChunk as the definition reads: requestLine's
// submatches of every line, counted as they come.
func referenceScan(chunk []byte) Tally {
	t := Tally{Bytes: int64(len(chunk)), Errors: make(map[string]map[string]int64)}
	for len(chunk) > 0 {
		var line []byte
		line, chunk = cutLine(chunk)
		t.Lines++
		m := requestLine.FindSubmatch(line)
		if m == nil {
			continue
		}
		t.Requests++
		if code := m[5]; len(code) > 0 {
			if t.Errors[string(code)] == nil {
				t.Errors[string(code)] = make(map[string]int64)
			}
			t.Errors[string(code)][string(m[2])+" "+referenceNormalize(string(m[3]))]++
		}
	}
	return t
}

// referenceNormalize replaces the numeric segments of path with ":id".
func referenceNormalize(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			segs[i] = ":id"
		}
	}
	return strings.Join(segs, "/")
}

// generated returns a generated log of about size bytes.
func generated(tb testing.TB, size int64) []byte {
	var b bytes.Buffer
	require.NoError(tb, generate(context.Background(), &b, size, func(int64) {}))
	return b.Bytes()
}

// good is a failed request line that requestLine matches; nearMisses
// change it a little, some so that it no longer matches, some so that it
// still does, some so that only the error code goes.
const good = `2025-03-14T00:00:00.006Z ERROR req=d7daea1d POST /api/v1/orders/38649 status=503 bytes=0 dur=22ms err=E5012 msg="upstream failed"`

// served is a request line without an error code.
const served = "2025-03-14T00:00:00.001Z INFO  req=3bf98798 GET /api/v1/search status=200 bytes=824 dur=200ms"

var nearMisses = []string{
	good,
	strings.Replace(good, "2025", "202", 1),
	strings.Replace(good, "2025", "20255", 1),
	strings.Replace(good, "-03-", "-3-", 1),
	strings.Replace(good, ".006Z", ".06Z", 1),
	strings.Replace(good, ".006Z", ".0060Z", 1),
	strings.Replace(good, "Z ", "z ", 1),
	strings.Replace(good, "T00", " 00", 1),
	strings.Replace(good, "Z ERROR", "Z  ERROR", 1),
	strings.Replace(good, "ERROR ", "ERROR     ", 1),
	strings.Replace(good, "ERROR ", "ERROR", 1),
	strings.Replace(good, "ERROR ", "ERROR\t", 1),
	strings.Replace(good, "ERROR", "ERR", 1),
	strings.Replace(good, "ERROR", "DEBUG", 1),
	strings.Replace(good, "ERROR", "INFO", 1),
	strings.Replace(good, "ERROR", "WARN", 1),
	strings.Replace(good, "ERROR", "INFOS", 1),
	strings.Replace(good, "d7daea1d", "", 1),
	strings.Replace(good, "d7daea1d", "D7DAEA1D", 1),
	strings.Replace(good, "d7daea1d", "d7daeg1d", 1),
	strings.Replace(good, "d7daea1d ", "d7daea1d  ", 1),
	strings.Replace(good, "POST", "GET", 1),
	strings.Replace(good, "POST", "PUT", 1),
	strings.Replace(good, "POST", "DELETE", 1),
	strings.Replace(good, "POST", "PATCH", 1),
	strings.Replace(good, "POST", "POS", 1),
	strings.Replace(good, "POST", "post", 1),
	strings.Replace(good, "POST /", "POST  /", 1),
	strings.Replace(good, "POST /", "POST\t/", 1),
	strings.Replace(good, "/api/v1/orders/38649", "/", 1),
	strings.Replace(good, "/api/v1/orders/38649", "//1//22/x3/", 1),
	strings.Replace(good, "/api/v1/orders/38649", "/7", 1),
	strings.Replace(good, "/api/v1/orders/38649", "/api/v1/orders/38649\t", 1),
	strings.Replace(good, "/api/v1/orders/38649", "/api/v1/orders/38649\v", 1),
	strings.Replace(good, "/api/v1/orders/38649", "/api/v1/ord\rers", 1),
	strings.Replace(good, "/api/v1/orders/38649", "/api/v1/ord\fers", 1),
	strings.Replace(good, "/api/v1/orders/38649", "/api/v1/ßtraße/١٢٣", 1),
	strings.Replace(good, "/api/v1/orders/38649", "/api/v1/\xff\xfe/12", 1),
	strings.Replace(good, "/api/v1/orders/38649", "/api/\xe2\x80/12", 1),
	strings.Replace(good, "/api/v1/orders/38649", "/a\u00a0b/1", 1),
	strings.Replace(good, "/api/v1/orders/38649", "api/v1/orders/38649", 1),
	strings.Replace(good, "/api/v1/orders/38649", "/api/v1/orders/38649 status=200", 1),
	strings.Replace(good, "status=503", "status=20", 1),
	strings.Replace(good, "status=503", "status=2000", 1),
	strings.Replace(good, "status=503", "status=5O3", 1),
	strings.Replace(good, "status=503", "status= 503", 1),
	strings.Replace(good, " status", "  status", 1),
	strings.Replace(good, "bytes=0", "bytes=", 1),
	strings.Replace(good, "bytes=0", "bytes=123456789012345678901234567890", 1),
	strings.Replace(good, "bytes=0", "bytes=-1", 1),
	strings.Replace(good, "dur=22ms", "dur=22", 1),
	strings.Replace(good, "dur=22ms", "dur=ms", 1),
	strings.Replace(good, "dur=22ms", "dur=22 ms", 1),
	strings.Replace(good, "dur=22ms", "dur=22m", 1),
	strings.Replace(good, "dur=22ms", "dur=22mss", 1),
	strings.Replace(good, "dur=22ms", "dur=22ms ", 1),
	strings.Replace(good, " err=E5012", "", 1),
	strings.Replace(good, " err=E5012", " err=E123", 1),
	strings.Replace(good, " err=E5012", " err=E12345", 1),
	strings.Replace(good, " err=E5012", " err=E50x2", 1),
	strings.Replace(good, " err=E5012", " err=e5012", 1),
	strings.Replace(good, " err=E5012", "  err=E5012", 1),
	strings.Replace(good, " err=E5012", "\terr=E5012", 1),
	strings.Replace(good, " err=E5012", " err=", 1),
	strings.Replace(good, " err=E5012", " err=E", 1),
	strings.Replace(good, " err=E5012", " err=E5012\r", 1),
	strings.Replace(good, " err=E5012", " err=E50", 1),
	strings.Replace(good, " err=E5012", "err=E5012", 1),
	strings.Replace(good, " err=E5012", " err=E5012 err=E5013", 1),
	strings.Replace(good, " err=E5012", " err=E5013 msg=x err=E5012", 1),
	strings.Replace(good, " err=E5012", " err=E٥٠١٢", 1),
	good[:strings.Index(good, " err=")],
	good[:strings.Index(good, " err=")+9],
	good[:strings.Index(good, " err=")+10],
	good[:strings.Index(good, "ms")+1],
	good + "\r",
	good + "\x00",
	"\xef\xbb\xbf" + good,
	" " + good,
	"",
	"\r",
	"2025-03-14T00:00:00.005Z DEBUG gc pause=553us heap=478MB",
	served,
	"2025-03-14T00:00:00.001Z WARN req=0 DELETE /x status=999 bytes=0 dur=0ms err=E0000",
}

// TestParseRequestAgreesWithRequestLine checks that parseRequest matches
// and captures what requestLine does, line by line, on near misses of a
// request line.
func TestParseRequestAgreesWithRequestLine(t *testing.T) {
	for _, line := range nearMisses {
		agree(t, line)
	}
}

// TestParseRequestAgreesOnEveryEditOfALine checks parseRequest against
// requestLine on every line one edit away from a request line: each byte
// deleted, replaced by each of the 256 byte values, and each value
// inserted before each byte.
func TestParseRequestAgreesOnEveryEditOfALine(t *testing.T) {
	for _, line := range []string{good, served} {
		for i := 0; i <= len(line); i++ {
			if i < len(line) {
				agree(t, line[:i]+line[i+1:])
			}
			for b := 0; b < 256; b++ {
				if i < len(line) {
					agree(t, line[:i]+string(byte(b))+line[i+1:])
				}
				agree(t, line[:i]+string(byte(b))+line[i:])
			}
		}
	}
}

// agree fails t unless parseRequest matches and captures on line what
// requestLine does.
func agree(t *testing.T, line string) {
	t.Helper()
	m := requestLine.FindSubmatch([]byte(line))
	r, ok := parseRequest([]byte(line))
	if ok != (m != nil) {
		t.Fatalf("parseRequest says %v, requestLine %v, on %q", ok, m != nil, line)
	}
	if ok && (string(r.method) != string(m[2]) || string(r.path) != string(m[3]) || string(r.code) != string(m[5])) {
		t.Fatalf("parseRequest captures %q %q %q, requestLine %q %q %q, on %q",
			r.method, r.path, r.code, m[2], m[3], m[5], line)
	}
}

func TestScanChunkAgreesWithTheRegexp(t *testing.T) {
	log := generated(t, 2e6)
	var misses []byte
	for _, line := range nearMisses {
		misses = append(append(misses, line...), '\n')
	}
	for name, chunk := range map[string][]byte{
		"generated log":              log,
		"near misses":                misses,
		"near misses, CRLF":          bytes.ReplaceAll(misses, []byte("\n"), []byte("\r\n")),
		"no final newline":           misses[:len(misses)-1],
		"empty lines":                []byte("\n\n" + good + "\n\n\n"),
		"one line, no newline":       []byte(good),
		"only newlines":              []byte("\n\n\n"),
		"nothing":                    nil,
		"log with near misses mixed": append(append(append([]byte{}, log[:len(log)/2]...), misses...), log[len(log)/2:]...),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := scanChunk(t.Context(), chunk)
			require.NoError(t, err)
			assert.Equal(t, referenceScan(chunk), got)
		})
	}
}

func TestScanChunkFindsTheGeneratedFailures(t *testing.T) {
	got, err := scanChunk(t.Context(), generated(t, 1e6))
	require.NoError(t, err)
	require.Greater(t, got.Lines, int64(5000))
	assert.Greater(t, got.Requests, got.Lines*95/100, "about 2 %% of the lines are not requests")
	assert.Less(t, got.Requests, got.Lines)
	assert.Contains(t, got.Errors, "E5040")
	assert.Contains(t, got.Errors["E5040"], "GET /api/v1/products/:id")
}

func TestScanChunkStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := scanChunk(ctx, []byte(good+"\n"))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestAppendNormalized(t *testing.T) {
	for _, path := range []string{"", "/", "//", "/1", "/a1", "/1a", "/12/", "/api/v1/orders/38649", "//1//22/x3/", "/\xff/0"} {
		assert.Equal(t, referenceNormalize(path), string(appendNormalized(nil, []byte(path))), "%q", path)
	}
}

// FuzzScanChunk compares scanChunk with referenceScan on any input. Run
// it with -fuzzminimizetime of a few seconds: minimizing a long input
// against the regexp can otherwise hold a worker for a minute at a time.
func FuzzScanChunk(f *testing.F) {
	for _, line := range nearMisses {
		f.Add([]byte(line + "\n"))
	}
	f.Add(generated(f, 500))
	f.Fuzz(func(t *testing.T, chunk []byte) {
		got, err := scanChunk(t.Context(), chunk)
		require.NoError(t, err)
		require.Equal(t, referenceScan(chunk), got, "chunk %q", chunk)
	})
}

// BenchmarkScanChunk scans the same 8 MB of generated log with scanChunk
// and with the regexp it stands for.
func BenchmarkScanChunk(b *testing.B) {
	chunk := generated(b, 8e6)
	b.Run("engine=parseRequest", func(b *testing.B) {
		b.SetBytes(int64(len(chunk)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := scanChunk(b.Context(), chunk); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine=regexp", func(b *testing.B) {
		b.SetBytes(int64(len(chunk)))
		b.ReportAllocs()
		for b.Loop() {
			referenceScan(chunk)
		}
	})
}
