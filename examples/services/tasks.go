package main

import (
	"context"
	"encoding/json"
	"hash/crc32"
	"strings"
	"sync"

	"github.com/poolkit/poolkit/procpool"
)

// The three kinds of work of a small service. Each needs a table that a
// worker process loads once, on its first input, as a real worker loads a
// model, fonts or a native library: it is what each process costs in
// memory before it does any work.

// tableMiB is the size of the table each worker process loads.
var tableMiB = 24

var (
	tableOnce sync.Once
	table     []byte
)

// loadTable loads the process's table, once.
func loadTable() []byte {
	tableOnce.Do(func() {
		table = make([]byte, tableMiB<<20)
		for i := range table {
			table[i] = byte(i * 31)
		}
	})
	return table
}

// Thumb is an image to shrink.
type Thumb struct {
	Name   string
	Pixels []byte
}

var (
	// thumbTask shrinks an image four to one, averaging each block of
	// four pixels through the table.
	thumbTask = procpool.Register("services.thumb", func(_ context.Context, in Thumb) ([]byte, error) {
		t := loadTable()
		out := make([]byte, len(in.Pixels)/4)
		for i := range out {
			sum := 0
			for _, p := range in.Pixels[4*i : 4*i+4] {
				sum += int(t[int(p)*4096])
			}
			out[i] = byte(sum / 4)
		}
		return out, nil
	})

	// renderTask renders a page of text: wrapped at 40 columns, with a
	// checksum of the result.
	renderTask = procpool.Register("services.render", func(_ context.Context, page string) (uint32, error) {
		t := loadTable()
		var b strings.Builder
		col := 0
		for _, word := range strings.Fields(page) {
			if col+len(word) > 40 {
				b.WriteByte('\n')
				col = 0
			}
			b.WriteString(word)
			b.WriteByte(' ')
			col += len(word) + 1
		}
		return crc32.ChecksumIEEE([]byte(b.String())) ^ uint32(t[len(page)%len(t)]), nil
	})

	// parseTask parses a JSON record and counts its fields.
	parseTask = procpool.Register("services.parse", func(_ context.Context, record []byte) (int, error) {
		loadTable()
		var m map[string]any
		if err := json.Unmarshal(record, &m); err != nil {
			return 0, err
		}
		return len(m), nil
	})
)
