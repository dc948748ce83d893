package pooltest

import (
	"testing"

	"github.com/poolkit/poolkit/pool"
)

var typeScenarios = []scenario{
	{"Types/PointerOutputsNilOutputsAndNilInputs", pointers},
	{"Types/MapOfPointersWithAFailure", pointerMap},
}

func openPointer(t *testing.T, e Engine, cfg Config) Executor[*Input, *Output] {
	t.Helper()
	ex := e.NewPointer(t, cfg)
	t.Cleanup(func() {
		if err := ex.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return ex
}

func pointers(t *testing.T, e Engine) {
	ex := openPointer(t, e, Config{Workers: 1})
	out, err := result(t, ex.Submit(bg(), &Input{Op: Square, N: 3}))
	must(t, err, "a pointer input")
	want(t, out != nil && out.N == 9, "the output of &Input{Square, 3} is %+v", out)

	out, err = result(t, ex.Submit(bg(), &Input{Op: Square, N: -1}))
	must(t, err, "an input with a nil output")
	want(t, out == nil, "the nil output arrived as %+v", out)

	out, err = result(t, ex.Submit(bg(), &Input{Op: Square, N: 0}))
	must(t, err, "an input with a zero output")
	want(t, out != nil && *out == Output{}, "a pointer to a zero output arrived as %+v", out)

	out, err = result(t, ex.Submit(bg(), nil))
	must(t, err, "a nil input")
	want(t, out != nil && out.N == -1, "the output of a nil input is %+v", out)

	out, err = result(t, ex.Submit(bg(), &Input{Op: FailTyped, N: -2}))
	want(t, out == nil, "a failed input's output is %+v", out)
	if typed := wantAs[*Error](t, err, "a failed input with a nil output"); typed != nil {
		wantEqual(t, typed.Code, -2, "the error's field")
	}

	_, err = result(t, ex.Submit(bg(), &Input{Op: PanicText, N: -3}))
	wantAs[*pool.PanicError](t, err, "a panicking input with a pointer output")

	out, err = result(t, ex.Submit(bg(), &Input{Op: Square, N: 4}))
	must(t, err, "the executor goes on")
	want(t, out != nil && out.N == 16, "the output of &Input{Square, 4} is %+v", out)
}

func pointerMap(t *testing.T, e Engine) {
	ex := openPointer(t, e, Config{Workers: 2})
	ins := []*Input{{Op: Square, N: 2}, {Op: Square, N: -1}, nil, {Op: Square, N: 5}}
	outs, err := ex.Map(bg(), ins)
	must(t, err, "Map of pointers")
	if len(outs) != 4 {
		t.Fatalf("Map returned %d outputs", len(outs))
	}
	want(t, outs[0] != nil && outs[0].N == 4, "output 0 is %+v", outs[0])
	want(t, outs[1] == nil, "output 1 is %+v, want nil", outs[1])
	want(t, outs[2] != nil && outs[2].N == -1, "output 2 is %+v", outs[2])
	want(t, outs[3] != nil && outs[3].N == 25, "output 3 is %+v", outs[3])

	ins = []*Input{{Op: Square, N: 2}, {Op: Fail, N: -1}, {Op: Square, N: 3}}
	_, err = ex.Map(bg(), ins)
	if te := wantAs[*pool.TaskError](t, err, "Map of pointers with a failure"); te != nil {
		wantEqual(t, te.Index, 1, "the failed input's index")
	}
	wantIs(t, err, ErrSentinel, "Map of pointers with a failure")
	n := 0
	for out, err := range ex.MapSeq(bg(), func(yield func(*Input) bool) {
		for i := range 200 {
			in := &Input{Op: Square, N: i - 100}
			if i%2 == 0 {
				in.Op = PanicText
			}
			if !yield(in) {
				return
			}
		}
	}) {
		if n%2 == 0 {
			wantAs[*pool.PanicError](t, err, "MapSeq of panicking pointer inputs")
		} else {
			must(t, err, "MapSeq of pointers")
			want(t, (out == nil) == (n < 100), "output %d is %+v", n, out)
		}
		n++
	}
	wantEqual(t, n, 200, "outputs MapSeq yielded")
}
