package main

import (
	"bufio"
	"bytes"
	"io"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
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

// parse reads go test -bench output and python/bench.py's lines: the
// results through benchfmt, the parser benchstat uses, and, beside them,
// the failures and the Python version, which are not results.
func parse(r io.Reader) (*suite, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	s := &suite{samples: map[string]map[string]map[string][]float64{}}
	s.scanNotes(data)
	br := benchfmt.NewReader(bytes.NewReader(data), "bench.txt")
	for br.Scan() {
		if res, ok := br.Result().(*benchfmt.Result); ok {
			s.add(res)
		}
	}
	return s, br.Err()
}

// scanNotes records what is not a result: the failures, with the first
// line of their output, and the Python version.
func (s *suite) scanNotes(data []byte) {
	sc := bufio.NewScanner(bytes.NewReader(data))
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
		case strings.HasPrefix(line, "# python "):
			s.python = strings.TrimPrefix(line, "# ")
		}
	}
}

func (s *suite) addFailure(f string) {
	if !slices.Contains(s.failures, f) {
		s.failures = append(s.failures, f)
	}
}

// add records one result, in the units it was written in.
func (s *suite) add(res *benchfmt.Result) {
	s.cpu = res.GetConfig("cpu")
	base, parts := res.Name.Parts()
	name := string(base)
	for _, p := range parts {
		if procs, ok := bytes.CutPrefix(p, []byte("-")); ok {
			s.procs = string(procs)
			continue
		}
		name += string(p)
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
	for _, v := range res.Values {
		unit, value := v.OrigUnit, v.OrigValue // as written: benchfmt turns ns/op into sec/op
		if unit == "" {
			unit, value = v.Unit, v.Value
		}
		units[unit] = append(units[unit], value)
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
