package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/poolkit/poolkit/procpool"
)

func TestMain(m *testing.M) {
	procpool.Main()
	goleak.VerifyTestMain(m)
}

// topPart returns the output from the top-10 table on.
func topPart(t *testing.T, out string) string {
	i := strings.Index(out, "\ntop ")
	require.GreaterOrEqual(t, i, 0, out)
	return out[i:]
}

func TestRunBothEnginesAgree(t *testing.T) {
	dir := t.TempDir()
	var tops []string
	for i, engine := range []string{"pool", "procpool"} {
		var out bytes.Buffer
		require.NoError(t, run(t.Context(), &out, config{engine: engine, size: 300e3, chunk: 8e3, workers: 2, dir: dir}))
		s := out.String()
		assert.Contains(t, s, map[bool]string{true: "(generated now, kept for later runs", false: "(reused from an earlier run)"}[i == 0])
		assert.Contains(t, s, "logscan: scanning it on "+engine+" with 2 workers ...\n")
		assert.NotContains(t, s, "removed", "a log in -dir is kept")
		assert.Regexp(t, `\n`+engine+` +2 +8 KB +300 KB +[0-9,]+ +[0-9.]+s +[0-9]+ +([0-9.]+ [KMG]?B|n/a)\n`, s)
		tops = append(tops, topPart(t, s))
	}
	assert.Equal(t, tops[0], tops[1], "both engines find the same errors")
	assert.Regexp(t, `top 10 error codes of [0-9,]+ failed requests`, tops[0])
	assert.Equal(t, 13, strings.Count(tops[0], "\n"), "title, header and ten codes:\n%s", tops[0])
}

func TestRunCountsEveryLine(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, config{engine: "pool", size: 100e3, chunk: 3e3, workers: 3, dir: dir}))
	path, generated, err := logFile(t.Context(), io.Discard, dir, 100e3)
	require.NoError(t, err)
	require.False(t, generated, "run left the log for the next run")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(data), 100_000)
	assert.Contains(t, out.String(), " "+commas(int64(bytes.Count(data, []byte("\n"))))+" ")
}

// TestRunRemovesATemporaryLog runs without -dir: the log goes to a new
// temporary folder, which run names and removes.
func TestRunRemovesATemporaryLog(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, config{engine: "pool", size: 50e3, chunk: 4e3, workers: 2}))
	s := out.String()
	assert.Contains(t, s, "logscan: generating a 50 KB log")
	assert.Contains(t, s, "(generated now, in a temporary folder removed at the end)")
	m := regexp.MustCompile(`\nlogscan: removed (\S+)\n$`).FindStringSubmatch(s)
	require.NotNil(t, m, "the last line names the removed folder:\n%s", s)
	assert.True(t, strings.HasPrefix(m[1], os.TempDir()), "%s is in the temporary folder", m[1])
	assert.NoDirExists(t, m[1])
}

// TestRunRemovesATemporaryLogWhenCancelled cancels the run (as Ctrl-C
// does) and checks that the temporary folder is gone all the same.
func TestRunRemovesATemporaryLogWhenCancelled(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out bytes.Buffer
	err := run(ctx, &out, config{engine: "pool", size: 5e6, chunk: 4e3, workers: 2})
	assert.ErrorIs(t, err, context.Canceled)
	entries, rerr := os.ReadDir(tmp)
	require.NoError(t, rerr)
	assert.Empty(t, entries, "nothing is left in the temporary folder")
}

func TestRunRejectsAnUnknownEngine(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), &out, config{engine: "threads", size: 1e3, chunk: 1e3, workers: 1, dir: t.TempDir()})
	assert.EqualError(t, err, `logscan: -engine "threads": want pool or procpool`)
}

func TestScanChunk(t *testing.T) {
	chunk := []byte(`2025-03-14T00:00:00.001Z INFO  req=3bf98798 GET /api/v1/search status=200 bytes=824 dur=200ms
2025-03-14T00:00:00.005Z DEBUG gc pause=553us heap=478MB
2025-03-14T00:00:00.006Z ERROR req=d7daea1d POST /api/v1/orders/38649 status=503 bytes=0 dur=22ms err=E5012 msg="upstream failed"
2025-03-14T00:00:00.007Z ERROR req=d7daea1e POST /api/v1/orders/12 status=502 bytes=0 dur=2ms err=E5012 msg="upstream failed"`)
	got, err := scanChunk(t.Context(), chunk)
	require.NoError(t, err)
	assert.Equal(t, Tally{
		Bytes: int64(len(chunk)), Lines: 4, Requests: 3,
		Errors: map[string]map[string]int64{"E5012": {"POST /api/v1/orders/:id": 2}},
	}, got)
}

func TestMergeAddsUp(t *testing.T) {
	var total Tally
	total.merge(Tally{Bytes: 10, Lines: 2, Requests: 1, Errors: map[string]map[string]int64{"E1": {"a": 1}}})
	total.merge(Tally{Bytes: 5, Lines: 1, Requests: 1, Errors: map[string]map[string]int64{"E1": {"a": 2, "b": 1}, "E2": {"c": 4}}})
	assert.Equal(t, Tally{Bytes: 15, Lines: 3, Requests: 2,
		Errors: map[string]map[string]int64{"E1": {"a": 3, "b": 1}, "E2": {"c": 4}}}, total)
}

// Whatever the part size, the parts' lines put together are the file:
// every line is read once, whole, by the part it begins in, long lines
// and a last line without a newline included.
func TestPartsCoverEveryLineOnce(t *testing.T) {
	var log bytes.Buffer
	require.NoError(t, generate(t.Context(), &log, 50_000, func(int64) {}))
	long := strings.Repeat("a long line ", 20_000) + "\n\n"
	for _, c := range []struct {
		data  string
		sizes []int64
	}{
		{log.String() + long + "a last line without a newline", []int64{100, 4096, 1 << 20}},
		{log.String()[:3000] + long[:3000] + "\n\nlast", []int64{1, 2, 7}}, // a part per byte reads on to the line's end: keep it short
	} {
		r := strings.NewReader(c.data)
		for _, size := range c.sizes {
			var joined []byte
			buf := new([]byte)
			for p := range parts("log", int64(len(c.data)), size) {
				lines, err := readLines(r, p.Off, p.Len, buf)
				require.NoError(t, err)
				if len(lines) > 0 && len(joined)+len(lines) < len(c.data) {
					require.Equal(t, byte('\n'), lines[len(lines)-1], "part size %d: a part ends inside a line", size)
				}
				joined = append(joined, lines...)
			}
			require.Equal(t, c.data, string(joined), "part size %d", size)
		}
	}
}

func TestReadLinesReportsAReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := readLines(failingReader{boom}, 10, 10, new([]byte))
	assert.ErrorIs(t, err, boom)
}

// failingReader fails every read with its error.
type failingReader struct{ err error }

func (r failingReader) ReadAt([]byte, int64) (int, error) { return 0, r.err }

func TestScanPartReadsItsRange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	line := "2025-03-14T00:00:00.006Z ERROR req=d7daea1d POST /api/v1/orders/38649 status=503 bytes=0 dur=22ms err=E5012 msg=\"upstream failed\"\n"
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat(line, 10)), 0o600))
	got, err := scanPart(t.Context(), Part{Path: path, Off: int64(len(line)) * 3, Len: int64(len(line)) * 2})
	require.NoError(t, err)
	assert.Equal(t, Tally{Bytes: int64(len(line)) * 2, Lines: 2, Requests: 2,
		Errors: map[string]map[string]int64{"E5012": {"POST /api/v1/orders/:id": 2}}}, got)
	_, err = scanPart(t.Context(), Part{Path: path + ".absent", Len: 1})
	assert.ErrorContains(t, err, "log.absent")
}

func TestTopCodes(t *testing.T) {
	tally := Tally{Errors: map[string]map[string]int64{
		"E3": {"x": 1},
		"E1": {"x": 2, "y": 3},
		"E2": {"b": 5, "a": 5},
		"E4": {"z": 1},
	}}
	top, failed := topCodes(tally, 3)
	assert.Equal(t, int64(17), failed)
	assert.Equal(t, []codeCount{
		{code: "E2", endpoint: "a", count: 10, most: 5},
		{code: "E1", endpoint: "y", count: 5, most: 3},
		{code: "E3", endpoint: "x", count: 1, most: 1},
	}, top, "by count, then by code; ties between endpoints go to the first by name")
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{"200MB": 200e6, "1.5gb": 1.5e9, "64 KB": 64e3, "512": 512, "7B": 7} {
		var b byteSize
		require.NoError(t, b.Set(in), in)
		assert.Equal(t, want, int64(b), in)
	}
	for _, bad := range []string{"", "MB", "-1MB", "ten"} {
		var b byteSize
		assert.Error(t, b.Set(bad), bad)
	}
	assert.Equal(t, "200 MB", byteSize(200e6).String())
	assert.Equal(t, "1.25 GB", byteSize(1.25e9).String())
	assert.Equal(t, "33.8 MB", formatBytes(33_812_345))
	assert.Equal(t, "0 B", formatBytes(0))
}

func TestCommas(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1985322: "1,985,322", -1234: "-1,234"} {
		assert.Equal(t, want, commas(n))
	}
}
