package pooltest

import (
	"slices"
	"testing"

	"github.com/poolkit/poolkit/future"
)

var resultScenarios = []scenario{
	{"Submit/EachInputGetsItsOwnOutput", submitOutputs},
	{"TrySubmit/QueuesLikeSubmit", trySubmitOutputs},
	{"Map/OutputsInInputOrder", mapOrder},
	{"Map/NoInputsGiveAnEmptySlice", mapEmpty},
	{"MapSeq/OutputsInInputOrder", mapSeqOrder},
}

func squares(n int) []Input {
	ins := make([]Input, n)
	for i := range ins {
		ins[i] = Input{Op: Square, N: i}
	}
	return ins
}

func submitOutputs(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2})
	fs := make([]*future.Future[Output], 300)
	for i := range fs {
		fs[i] = ex.Submit(bg(), Input{Op: Square, N: i})
	}
	for i, f := range fs {
		out, err := result(t, f)
		must(t, err, "Submit")
		wantEqual(t, out.N, i*i, "output of input "+itoa(i))
	}
}

func trySubmitOutputs(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	f, err := ex.TrySubmit(bg(), Input{Op: Square, N: 7})
	must(t, err, "TrySubmit on an empty queue")
	out, err := result(t, f)
	must(t, err, "TrySubmit's future")
	wantEqual(t, out.N, 49, "output")
}

func mapOrder(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2})
	const n = 5000
	outs, err := ex.Map(bg(), squares(n))
	must(t, err, "Map")
	if len(outs) != n {
		t.Fatalf("Map returned %d outputs for %d inputs", len(outs), n)
	}
	for i, out := range outs {
		if out.N != i*i {
			t.Fatalf("output %d is %d, want %d", i, out.N, i*i)
		}
	}
}

func mapEmpty(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 1})
	outs, err := ex.Map(bg(), nil)
	must(t, err, "Map of nil")
	want(t, outs != nil && len(outs) == 0, "Map of no inputs returned %#v, want an empty non-nil slice", outs)
}

func mapSeqOrder(t *testing.T, e Engine) {
	ex, _ := open(t, e, Config{Workers: 2})
	const n = 5000
	i := 0
	for out, err := range ex.MapSeq(bg(), slices.Values(squares(n))) {
		must(t, err, "MapSeq")
		if out.N != i*i {
			t.Fatalf("output %d is %d, want %d", i, out.N, i*i)
		}
		i++
	}
	wantEqual(t, i, n, "outputs yielded")
}
