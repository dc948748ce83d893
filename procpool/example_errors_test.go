package procpool_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/poolkit/poolkit/procpool"
)

// ErrBadSeed is a sentinel error, registered so that errors.Is finds it on
// the parent's side of the pipe.
var ErrBadSeed = procpool.RegisterError(errors.New("bad seed"))

// SeedError is an error type, registered so that errors.As finds it, with
// its fields, on the parent's side.
type SeedError struct {
	Seed int
}

func (e *SeedError) Error() string { return fmt.Sprintf("seed %d is out of range", e.Seed) }

var _ = procpool.RegisterError(&SeedError{})

// checkSeed fails in both ways, wrapping the errors as a task would.
func checkSeed(_ context.Context, seed int) (int, error) {
	switch {
	case seed < 0:
		return 0, fmt.Errorf("checking seed %d: %w", seed, ErrBadSeed)
	case seed > 100:
		return 0, fmt.Errorf("checking: %w", &SeedError{Seed: seed})
	}
	return seed, nil
}

var checkSeedTask = procpool.Register("example.check-seed", checkSeed)

// Errors a task returns keep their identity across the process boundary
// for the errors the program registers beside its tasks, through %w and
// errors.Join, as on goroutines.
func ExampleRegisterError() {
	p := procpool.New(checkSeedTask, procpool.Workers(1), procpool.Stderr(io.Discard))
	defer p.Close()
	ctx := context.Background()

	_, err := p.Submit(ctx, -1).Result(ctx)
	fmt.Println(err, errors.Is(err, ErrBadSeed))

	_, err = p.Submit(ctx, 500).Result(ctx)
	var se *SeedError
	fmt.Println(err, errors.As(err, &se), se.Seed)
	// Output:
	// checking seed -1: bad seed true
	// checking: seed 500 is out of range true 500
}

// MapUnordered yields each input's result as it comes back, with its
// index.
func ExamplePool_MapUnordered() {
	p := procpool.New(checkSeedTask, procpool.Workers(2), procpool.Stderr(io.Discard))
	defer p.Close()

	var got []int
	for r := range p.MapUnordered(context.Background(), slices.Values([]int{5, -1, 7, 500})) {
		if r.Err != nil {
			fmt.Printf("input %d: %v\n", r.Index, errors.Is(r.Err, ErrBadSeed))
			continue
		}
		got = append(got, r.Out)
	}
	sort.Ints(got)
	fmt.Println(got)
	// Unordered output:
	// input 1: true
	// input 3: false
	// [5 7]
}
