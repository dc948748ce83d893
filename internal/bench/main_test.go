package bench_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/poolkit/poolkit/procpool"
)

// helperEnv turns the test binary into a helper child: "echo" copies stdin
// to stdout, the floor of every procpool benchmark.
const helperEnv = "POOLKIT_BENCH_HELPER"

var (
	quick = flag.Bool("quick", os.Getenv("BENCH_QUICK") != "",
		"run every benchmark at a tiny size, to check that none has rotted (also BENCH_QUICK=1)")
	sleepTasks = flag.Int("sleep.tasks", 0,
		"10 ms tasks per op of BenchmarkSleep (default 10000; quick 200)")
	sleepWorkers = flag.Int("sleep.workers", 0,
		"workers of BenchmarkSleep (default 1000; quick 100)")
)

func TestMain(m *testing.M) {
	procpool.Main()
	if os.Getenv(helperEnv) == "echo" {
		echo()
		return
	}
	// ants starts the goroutines of its default pool when it is imported.
	goleak.VerifyTestMain(m, goleak.IgnoreCurrent())
}

// echo copies stdin to stdout, write for read, until stdin ends.
func echo() {
	buf := make([]byte, 64<<10)
	for {
		n, err := os.Stdin.Read(buf)
		if n > 0 {
			if _, err := os.Stdout.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// size returns full, or small in quick mode.
func size(full, small int) int {
	if *quick {
		return small
	}
	return full
}

// flagOr returns the flag's value if it was set, else size(full, small).
func flagOr(v *int, full, small int) int {
	if *v > 0 {
		return *v
	}
	return size(full, small)
}

// count names a size in sub-benchmark names: 1k, 10M.
func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func ints(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
