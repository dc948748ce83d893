package procpool_test

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

// The values that cross between parent and worker, and what the pool does
// with the ones gob handles badly.

// node is a linked value that can point back to itself.
type node struct {
	Val  int
	Next *node
}

var (
	// cycleTask returns its input's length, or, for a negative value, a
	// list whose last node points back to its first.
	cycleTask = procpool.Register("cycle", func(ctx context.Context, n *node) (*node, error) {
		if n != nil && n.Val < 0 {
			loop := &node{Val: 1}
			loop.Next = &node{Val: 2, Next: loop}
			return loop, nil
		}
		return &node{Val: length(n)}, nil
	})
)

func length(n *node) int {
	k := 0
	for ; n != nil; n = n.Next {
		k++
	}
	return k
}

func TestCyclicValuesFailThatInputOnly(t *testing.T) {
	p, _ := newPool(t, cycleTask, procpool.Workers(1))
	loop := &node{Val: 1}
	loop.Next = loop
	_, err := p.Submit(bg(), loop).Result(bg())
	require.ErrorIs(t, err, procpool.ErrEncode, "a cyclic input fails with ErrEncode, and the parent lives")
	assert.Contains(t, err.Error(), "points back to itself")

	_, err = p.Submit(bg(), &node{Val: -1}).Result(bg())
	require.ErrorIs(t, err, procpool.ErrEncode, "a cyclic output fails with ErrEncode")
	assert.Contains(t, err.Error(), "points back to itself")

	out, err := p.Submit(bg(), &node{Val: 5, Next: &node{Val: 6}}).Result(bg())
	require.NoError(t, err, "the worker serves on")
	assert.Equal(t, 2, out.Val)
	shared := &node{Val: 7}
	outs, err := p.Map(bg(), []*node{{Next: shared}, {Next: shared}, loop, nil})
	require.Error(t, err, "Map with a cyclic input")
	assert.Nil(t, outs)
	assert.ErrorIs(t, err, procpool.ErrEncode)
	assert.Zero(t, p.Stats().Died, "no worker died for a value that cannot cross")
}

// deep returns a list of n nodes.
func deep(n int) *node {
	var head *node
	for i := range n {
		head = &node{Val: i, Next: head}
	}
	return head
}

func TestTooDeepValueFailsThatInputOnly(t *testing.T) {
	p, _ := newPool(t, cycleTask, procpool.Workers(1))
	_, err := p.Submit(bg(), deep(100_000)).Result(bg())
	require.ErrorIs(t, err, procpool.ErrEncode)
	assert.Contains(t, err.Error(), "levels deep")
	out, err := p.Submit(bg(), deep(100)).Result(bg())
	require.NoError(t, err)
	assert.Equal(t, 100, out.Val)
}

// opaque has no exported fields: gob carries nothing of it.
type opaque struct{ secret int }

func (o opaque) String() string { return fmt.Sprint(o.secret) }

// withChan holds a channel in an exported field.
type withChan struct {
	Name string
	Done chan struct{}
}

func TestRegisterRefusesTypesGobCannotCarry(t *testing.T) {
	assert.Regexp(t, `^procpool: Register\("opaque-out"\) at procpool/values_test.go:\d+: the output type cannot cross to a worker process: procpool_test.opaque \(procpool_test.opaque\) has no exported fields`,
		panicValue(func() {
			procpool.Register("opaque-out", func(context.Context, int) (opaque, error) { return opaque{}, nil })
		}))
	assert.Regexp(t, `the input type cannot cross to a worker process: \*procpool_test.withChan.Done is a chan, which gob cannot carry$`,
		panicValue(func() {
			procpool.Register("chan-in", func(context.Context, *withChan) (int, error) { return 0, nil })
		}))
}

// viaInterface is sent inside an interface: gob needs it registered with
// gob.Register in every process.
type viaInterface struct{ N int }

func TestTypeRegisteredWithGobOnlyInTheParentFailsWithAHint(t *testing.T) {
	p, _ := newPool(t, chanTask, procpool.Workers(1))
	v, err := p.Submit(bg(), any(1)).Result(bg())
	require.NoError(t, err)
	require.Equal(t, 1, v)
	pid := p.Stats().Procs[0].PID

	gob.Register(viaInterface{}) // in the parent only, as a main would after Main
	_, err = p.Submit(bg(), any(viaInterface{N: 3})).Result(bg())
	require.ErrorIs(t, err, procpool.ErrEncode)
	assert.Contains(t, err.Error(), "gob.Register", "the error says what to do")
	assert.Contains(t, err.Error(), "init function or a package-level var")

	v, err = p.Submit(bg(), any(2)).Result(bg())
	require.NoError(t, err, "the worker serves on")
	assert.Equal(t, 1, v)
	assert.Zero(t, p.Stats().Died)
	assert.Equal(t, pid, p.Stats().Procs[0].PID, "the worker was not replaced")
}

// explosive is a value whose decoding panics in the parent, and whose
// encoding fails in the worker when it says so.
type explosive struct{ Mode string }

func (e explosive) GobEncode() ([]byte, error) {
	if e.Mode == "refuse" {
		return nil, errors.New("explosive: refusing to encode")
	}
	return []byte(e.Mode), nil
}

func (e *explosive) GobDecode(b []byte) error {
	if string(b) == "boom" && os.Getenv("POOLKIT_WORKER") == "" && !inWorker {
		panic("explosive: decoding blew up")
	}
	e.Mode = string(b)
	return nil
}

// inWorker is set in worker processes by explosiveTask's first run.
var inWorker bool

var explosiveTask = procpool.Register("explosive", func(ctx context.Context, mode string) (explosive, error) {
	inWorker = true
	return explosive{Mode: mode}, nil
})

func TestReplyThatPanicsTheParentsDecoderFailsThatWorkerOnly(t *testing.T) {
	p, _ := newPool(t, explosiveTask, procpool.Workers(1))
	_, err := p.Submit(bg(), "boom").Result(bg())
	require.ErrorIs(t, err, procpool.ErrWorkerDied, "the parent lives; the worker whose stream it cannot read is replaced")
	assert.Contains(t, err.Error(), "decoding blew up")
	out, err := p.Submit(bg(), "fine").Result(bg())
	require.NoError(t, err)
	assert.Equal(t, "fine", out.Mode)
}

func TestOutputTheWorkerCannotEncodeFailsThatInputOnly(t *testing.T) {
	p, _ := newPool(t, explosiveTask, procpool.Workers(1))
	_, err := p.Submit(bg(), "refuse").Result(bg())
	require.ErrorIs(t, err, procpool.ErrEncode)
	assert.Contains(t, err.Error(), "refusing to encode")
	outs, err := p.Map(bg(), []string{"a", "b", "c"})
	require.NoError(t, err)
	assert.Equal(t, []explosive{{"a"}, {"b"}, {"c"}}, outs)
	var failed []int
	i := 0
	for _, err := range p.MapSeq(bg(), slices.Values([]string{"a", "refuse", "c", "refuse"})) {
		if err != nil {
			require.ErrorIs(t, err, procpool.ErrEncode)
			failed = append(failed, i)
		}
		i++
	}
	assert.Equal(t, []int{1, 3}, failed, "in a batch, only the outputs that cannot be encoded fail")
	assert.Zero(t, p.Stats().Died)
}

// kelvin is a number type of the user's: slices of it cross as their
// memory, as slices of int do.
type kelvin float64

var coolTask = procpool.Register("cool", func(_ context.Context, k kelvin) (kelvin, error) { return k - 273.15, nil })

// Batches of numbers go to the worker, and come back, as their memory
// rather than through gob: every value must arrive as it was, whatever
// its sign, size or fraction, and whatever the batch's length.
func TestNumbersCrossAsTheyAre(t *testing.T) {
	ins := make([]int, 3000)
	temps := make([]kelvin, len(ins))
	for i := range ins {
		ins[i] = (i - 1500) * 1_000_003
		temps[i] = kelvin(i) / 7
	}
	for _, batch := range []int{1, 31, 32, 1000} {
		t.Run(fmt.Sprintf("batch=%d/int", batch), func(t *testing.T) {
			p, _ := newPool(t, squareTask, procpool.Workers(2), procpool.BatchSize(batch))
			outs, err := p.Map(bg(), ins)
			require.NoError(t, err)
			for i, x := range ins {
				require.Equal(t, x*x, outs[i], "input %d", i)
			}
		})
		t.Run(fmt.Sprintf("batch=%d/kelvin", batch), func(t *testing.T) {
			p, _ := newPool(t, coolTask, procpool.Workers(1), procpool.BatchSize(batch))
			cooled, err := p.Map(bg(), temps)
			require.NoError(t, err)
			for i, k := range temps {
				require.Equal(t, k-273.15, cooled[i], "input %d", i)
			}
		})
	}
}
