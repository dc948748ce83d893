package main

import "strings"

// poolkitLibs are poolkit's two engines; a lib named after one of them
// and a suffix (procpool-copy) is that engine used another way, a
// reference for it and never its peer. floors are what no library can
// beat, so they are never the best peer either (python-sequential is
// Python's own work done in its own process). Every other lib is a peer.
var (
	poolkitLibs = []string{"poolkit", "procpool"}
	floors      = map[string]bool{"sequential": true, "stealing": true, "pipe": true, "exec": true, "python-sequential": true}
)

// headline lists the units a group's rows show, by the group's first name
// part; other groups show ns/op and allocs/op.
var headline = map[string][]string{
	"CPU":    {"speedup"},
	"Sleep":  {"x-ideal"},
	"MapSeq": {"ns/op", "peak-MB"},
}

// named is one lib's median figure.
type named struct {
	lib string
	v   float64
	ok  bool
}

// row is one engine's figure in one group and unit, beside the best peer's
// and the best floor's.
type row struct {
	group, engine, unit string
	ours, peer, floor   named
}

// rows returns the comparison rows in the order the groups ran.
func (s *suite) rows() []row {
	var rows []row
	for _, g := range s.groups {
		units, ok := headline[strings.Split(g, "/")[0]]
		if !ok {
			units = []string{"ns/op", "allocs/op"}
		}
		for _, engine := range poolkitLibs {
			for _, unit := range units {
				ours, ok := s.median(g, engine, unit)
				if !ok {
					continue
				}
				r := row{group: g, engine: engine, unit: unit, ours: named{engine, ours, true}}
				r.peer, r.floor = s.best(g, unit, false), s.best(g, unit, true)
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// best returns the best median of group's peers, or of its floors.
func (s *suite) best(group, unit string, floor bool) named {
	var b named
	for lib := range s.samples[group] {
		if isPoolkit(lib) || isVariant(lib) || floors[lib] != floor {
			continue
		}
		v, ok := s.median(group, lib, unit)
		if ok && (!b.ok || better(unit, v, b.v) || v == b.v && lib < b.lib) {
			b = named{lib, v, true}
		}
	}
	return b
}

func isPoolkit(lib string) bool { return lib == poolkitLibs[0] || lib == poolkitLibs[1] }

// isVariant reports whether lib is one of poolkit's engines used another
// way: procpool-copy.
func isVariant(lib string) bool {
	for _, e := range poolkitLibs {
		if strings.HasPrefix(lib, e+"-") {
			return true
		}
	}
	return false
}
