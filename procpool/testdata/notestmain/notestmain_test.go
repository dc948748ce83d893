// Package notestmain is a test package that uses procpool but has no
// TestMain: its workers must not run its tests, and the failure must say
// what to add.
package notestmain

import (
	"context"
	"os"
	"testing"

	"github.com/poolkit/poolkit/procpool"
)

var double = procpool.Register("double", func(ctx context.Context, x int) (int, error) { return 2 * x, nil })

// TestSideEffect records every run in $NOTESTMAIN_RAN.
func TestSideEffect(t *testing.T) {
	f, err := os.OpenFile(os.Getenv("NOTESTMAIN_RAN"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("TestSideEffect\n")
}

func TestUsesProcpool(t *testing.T) {
	p := procpool.New(double, procpool.Workers(2))
	defer p.Close()
	v, err := p.Submit(context.Background(), 21).Result(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v != 42 {
		t.Fatalf("got %d", v)
	}
}
