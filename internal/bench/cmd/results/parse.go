package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// suite holds the samples of a benchmark run: for each group (the
// benchmark name without its lib= part), for each lib, each unit's values.
type suite struct {
	cpu, python string
	procs       string
	groups      []string // in order of first appearance
	samples     map[string]map[string]map[string][]float64
	failures    []string // "name: first line of its output", once each
}

// procsSuffix is the GOMAXPROCS suffix go test adds to benchmark names.
var procsSuffix = regexp.MustCompile(`-(\d+)$`)

// parse reads go test -bench output and python/bench.py's lines.
func parse(r io.Reader) (*suite, error) {
	s := &suite{samples: map[string]map[string]map[string][]float64{}}
	sc := bufio.NewScanner(r)
	failed := ""
	for sc.Scan() {
		line := sc.Text()
		if failed != "" {
			s.addFailure(failed + ": " + strings.TrimSpace(line))
			failed = ""
		}
		switch {
		case strings.HasPrefix(line, "--- FAIL: "):
			failed = strings.TrimPrefix(line, "--- FAIL: ")
		case strings.HasPrefix(line, "cpu: "):
			s.cpu = strings.TrimPrefix(line, "cpu: ")
		case strings.HasPrefix(line, "# python "):
			s.python = strings.TrimPrefix(line, "# ")
		case strings.HasPrefix(line, "Benchmark"):
			s.add(strings.Fields(line))
		}
	}
	return s, sc.Err()
}

func (s *suite) addFailure(f string) {
	if !slices.Contains(s.failures, f) {
		s.failures = append(s.failures, f)
	}
}

// add records one result line: name, iterations, then value-unit pairs.
func (s *suite) add(f []string) {
	if len(f) < 4 || len(f)%2 != 0 {
		return // a benchmark's name printed alone before its result, or a failure
	}
	name := strings.TrimPrefix(f[0], "Benchmark")
	if m := procsSuffix.FindStringSubmatch(name); m != nil {
		name, s.procs = strings.TrimSuffix(name, m[0]), m[1]
	}
	group, lib := splitLib(name)
	if lib == "" {
		return
	}
	if s.samples[group] == nil {
		s.samples[group] = map[string]map[string][]float64{}
		s.groups = append(s.groups, group)
	}
	units := s.samples[group][lib]
	if units == nil {
		units = map[string][]float64{}
		s.samples[group][lib] = units
	}
	for i := 2; i+1 < len(f); i += 2 {
		if v, err := strconv.ParseFloat(f[i], 64); err == nil {
			units[f[i+1]] = append(units[f[i+1]], v)
		}
	}
}

// splitLib splits "MapTiny/lib=pond" into "MapTiny" and "pond".
func splitLib(name string) (group, lib string) {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		if l, ok := strings.CutPrefix(p, "lib="); ok {
			return strings.Join(slices.Delete(parts, i, i+1), "/"), l
		}
	}
	return name, ""
}

// median returns the median of lib's unit in group, and whether there is one.
func (s *suite) median(group, lib, unit string) (float64, bool) {
	vs := slices.Clone(s.samples[group][lib][unit])
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2, true
	}
	return vs[len(vs)/2], true
}

// samplesPerRow returns the largest number of samples of any row.
func (s *suite) samplesPerRow() int {
	n := 0
	for _, libs := range s.samples {
		for _, units := range libs {
			for _, vs := range units {
				n = max(n, len(vs))
			}
		}
	}
	return n
}
