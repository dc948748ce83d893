package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// higherIsBetter lists the units where more is better.
var higherIsBetter = map[string]bool{"speedup": true, "tasks/s": true, "MB/s": true}

// better reports whether a is better than b in unit.
func better(unit string, a, b float64) bool {
	if higherIsBetter[unit] {
		return a > b
	}
	return a < b
}

// format prints v in unit for people.
func format(unit string, v float64) string {
	switch unit {
	case "ns/op":
		return duration(v)
	case "speedup":
		return fmt.Sprintf("%.3f×", v)
	case "x-ideal":
		return fmt.Sprintf("%.2f× ideal", v)
	case "peak-MB":
		return fmt.Sprintf("%.1f MB", v)
	case "tasks/s":
		return si(v) + "/s"
	case "allocs/op":
		return fmt.Sprintf("%.3g", v)
	case "MB/s":
		if v >= 1000 {
			return fmt.Sprintf("%.0f MB/s", v) // 1210 MB/s, not 1.21e+03
		}
	}
	return fmt.Sprintf("%.3g %s", v, unit)
}

// duration prints nanoseconds with 3 significant digits: 41.2 ns, 310 µs.
func duration(ns float64) string {
	d := time.Duration(math.Round(ns))
	switch {
	case ns < 1000:
		return fmt.Sprintf("%.3g ns", ns)
	case d < time.Millisecond:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	}
	return fmt.Sprintf("%.3g s", ns/1e9)
}

// si prints v with a k or M suffix.
func si(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.3g M", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3g k", v/1e3)
	}
	return fmt.Sprintf("%.3g", v)
}

// cell escapes a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
