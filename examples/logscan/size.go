package main

import (
	"fmt"
	"strconv"
	"strings"
)

// byteSize is a number of bytes that prints and parses as 200MB, 64KB or
// 1GB (powers of 1000). It is a flag.Value.
type byteSize int64

var units = []struct {
	suffix string
	scale  int64
}{{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}

// Set parses s, a whole or decimal number with an optional unit.
func (b *byteSize) Set(s string) error {
	num, scale := strings.ToUpper(strings.TrimSpace(s)), int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, scale = strings.TrimSpace(rest), u.scale
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return fmt.Errorf("%q is not a size such as 200MB", s)
	}
	*b = byteSize(f * float64(scale))
	return nil
}

// String formats b like formatBytes.
func (b byteSize) String() string { return formatBytes(int64(b)) }

// formatBytes formats n in the largest unit that keeps it at least 1, to
// three significant digits: 200 MB, 1.25 GB, 512 B.
func formatBytes(n int64) string {
	for _, u := range units {
		if n >= u.scale {
			return strconv.FormatFloat(float64(n)/float64(u.scale), 'g', 3, 64) + " " + u.suffix
		}
	}
	return "0 B"
}
