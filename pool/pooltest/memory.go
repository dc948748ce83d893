package pooltest

import (
	"runtime"
	"testing"
	"weak"
)

var memoryScenarios = []scenario{
	{"Memory/AnInputIsNotKeptOnceRun", inputFreed},
	{"Memory/AnOutputIsNotKeptOnceYielded", outputFreed},
}

// freed reports whether the value behind w has been collected, after a
// few collections.
func freed[T any](w weak.Pointer[T]) bool {
	for range 5 {
		runtime.GC()
		if w.Value() == nil {
			return true
		}
	}
	return false
}

func inputFreed(t *testing.T, e Engine) {
	ex := openPointer(t, e, Config{Workers: 1})
	in := &Input{Op: Square, N: 3}
	w := weak.Make(in)
	f := ex.Submit(bg(), in)
	in = nil
	out, err := result(t, f)
	must(t, err, "the input")
	want(t, out != nil && out.N == 9, "output %+v", out)
	want(t, freed(w), "the input is kept alive after its task ran, by its future or the executor")
	runtime.KeepAlive(f)
}

func outputFreed(t *testing.T, e Engine) {
	ex := openPointer(t, e, Config{Workers: 2})
	var first weak.Pointer[Output]
	n := 0
	for out, err := range ex.MapSeq(bg(), func(yield func(*Input) bool) {
		for i := 0; ; i++ {
			if !yield(&Input{Op: Square, N: i}) {
				return
			}
		}
	}) {
		must(t, err, "MapSeq")
		if n == 0 {
			first = weak.Make(out)
		}
		out = nil
		if n++; n == 3000 {
			want(t, freed(first), "the first output is kept alive while the stream goes on")
			break
		}
	}
}
