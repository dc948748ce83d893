package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// logFile returns the path of a generated log of about size bytes in dir,
// generating it first unless an earlier run left it there. It reports
// whether the file was generated now. It says on w what it is doing, and
// draws a progress bar on a terminal while it generates.
func logFile(ctx context.Context, w io.Writer, dir string, size int64) (path string, generated bool, err error) {
	path = filepath.Join(dir, fmt.Sprintf("logscan-%d-v1.log", size))
	if fi, err := os.Stat(path); err == nil && fi.Size() >= size {
		return path, false, nil
	}
	fmt.Fprintf(w, "logscan: generating a %v log ...\n", byteSize(size))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, fmt.Errorf("logscan: %w", err)
	}
	// Write to a temporary name and rename, so that an interrupted run
	// never leaves a short file to be taken for a finished one.
	tmp, err := os.CreateTemp(dir, "logscan-*.tmp")
	if err != nil {
		return "", false, fmt.Errorf("logscan: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	bar := newBar(size, "generating")
	err = generate(ctx, tmp, size, func(n int64) { bar.Add64(n) })
	bar.Clear()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return "", false, fmt.Errorf("logscan: generating %s: %w", path, err)
	}
	return path, true, nil
}

// endpoints are the request paths of the generated log, most frequent
// first; ":id" becomes a number.
var endpoints = []string{
	"GET /api/v1/products/:id", "GET /api/v1/search", "GET /api/v1/cart", "POST /api/v1/cart/items",
	"GET /api/v1/users/:id", "GET /api/v1/orders/:id", "POST /api/v1/orders", "GET /api/v1/recommendations",
	"POST /api/v1/payments", "PUT /api/v1/users/:id", "GET /api/v1/inventory/:id", "DELETE /api/v1/cart/items/:id",
	"POST /api/v1/login", "GET /api/v1/shipping/quotes", "POST /api/v1/reviews", "GET /healthz",
}

// generate writes log lines to w until at least size bytes, calling added
// with the bytes written every megabyte or so. The content depends only on
// size. It stops with ctx's error if ctx ends first.
func generate(ctx context.Context, w io.Writer, size int64, added func(int64)) error {
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.3, 1, uint64(len(endpoints)-1))
	codes := rand.NewZipf(rng, 1.1, 1, 39)
	bw := bufio.NewWriterSize(w, 1<<20)
	at := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	var line []byte
	var written, reported int64
	for written < size {
		at = at.Add(time.Duration(rng.IntN(2000)) * time.Microsecond)
		line = appendLine(line[:0], rng, at, endpoints[zipf.Uint64()], codes)
		if _, err := bw.Write(line); err != nil {
			return err
		}
		written += int64(len(line))
		if written-reported >= 1<<20 {
			if err := ctx.Err(); err != nil {
				return err
			}
			added(written - reported)
			reported = written
		}
	}
	added(written - reported)
	return bw.Flush()
}

// appendLine appends one log line: mostly requests, some of them failed
// with an error code, and now and then a line of another kind.
func appendLine(b []byte, rng *rand.Rand, at time.Time, endpoint string, codes *rand.Zipf) []byte {
	b = at.AppendFormat(b, "2006-01-02T15:04:05.000Z")
	if rng.IntN(50) == 0 {
		return fmt.Appendf(b, " DEBUG gc pause=%dus heap=%dMB\n", rng.IntN(900), 100+rng.IntN(400))
	}
	failed := rng.IntN(100) < 3+len(endpoint)%7
	level, status := " INFO  req=", 200
	if failed {
		level, status = " ERROR req=", 500+rng.IntN(4)
	}
	b = append(b, level...)
	b = strconv.AppendUint(b, rng.Uint64()>>32, 16)
	b = append(b, ' ')
	b = appendPath(b, rng, endpoint)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, int64(rng.IntN(20000)), 10)
	b = append(b, " dur="...)
	b = strconv.AppendInt(b, int64(1+rng.IntN(400)), 10)
	b = append(b, "ms"...)
	if failed {
		b = append(b, " err=E"...)
		b = strconv.AppendInt(b, int64(5000+10*(len(endpoint)%5)+int(codes.Uint64())), 10)
		b = append(b, ` msg="upstream failed"`...)
	}
	return append(b, '\n')
}

// appendPath appends endpoint with each ":id" replaced by a number.
func appendPath(b []byte, rng *rand.Rand, endpoint string) []byte {
	for i := 0; i < len(endpoint); i++ {
		if endpoint[i] == ':' && i+3 <= len(endpoint) && endpoint[i:i+3] == ":id" {
			b = strconv.AppendInt(b, int64(1+rng.IntN(99999)), 10)
			i += 2
			continue
		}
		b = append(b, endpoint[i])
	}
	return b
}
