package procpool_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/future"
	"github.com/poolkit/poolkit/procpool"
)

// A worker on the parent's machine shares two lanes of memory with it, in
// which values of 64 KiB or more cross (see internal/wire): these tests
// check that they do, and that the memory goes with the worker.

// laneCrashTask reverses its input, and ends its worker on an input that
// starts with 0xFF.
var laneCrashTask = procpool.Register("lane-crash", func(ctx context.Context, b []byte) ([]byte, error) {
	if len(b) > 0 && b[0] == 0xFF {
		os.Exit(3)
	}
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	return out, nil
})

func reversed(b []byte) []byte {
	out := bytes.Clone(b)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// lanesResident returns the bytes of this process's mappings of its
// workers' lanes that are in its memory, the parts it wrote or read: of
// the parents' lanes, which the parent writes, and of the workers'.
func lanesResident(t *testing.T) (parents, workers uint64) {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	require.NoError(t, err)
	defer f.Close()
	var to *uint64
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		if f := strings.Fields(line); len(f) > 0 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			switch {
			case !strings.Contains(line, "procpool-lanes"):
				to = nil
			case f[2] == "00000000": // the file's first lane is the parent's
				to = &parents
			default:
				to = &workers
			}
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Rss:"); ok && to != nil {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(t, err, line)
			*to += kb << 10
		}
	}
	return parents, workers
}

// laneFilesMapped returns the inodes of the lane files this process maps.
func laneFilesMapped(t *testing.T) []string {
	t.Helper()
	inodes := mappedInodes(t, "procpool-lanes")
	slices.Sort(inodes)
	return slices.Compact(inodes)
}

func TestLargeValuesCrossInTheLanes(t *testing.T) {
	p, _ := newPool(t, laneCrashTask, procpool.Workers(1))
	small := pattern(60 << 10)
	out, err := p.Submit(bg(), small).Result(bg())
	require.NoError(t, err)
	require.Equal(t, reversed(small), out)
	require.Len(t, laneFilesMapped(t), 1, "the worker's lanes are mapped once it runs")
	parents, workers := lanesResident(t)
	assert.Less(t, parents+workers, uint64(64<<10), "a value under 64 KiB crosses the pipe: the lanes stay untouched")

	for _, n := range []int{64 << 10, 1 << 20, 16 << 20} {
		big := pattern(n)
		big[0] = 1
		out, err := p.Submit(bg(), big).Result(bg())
		require.NoError(t, err, "%d bytes", n)
		require.True(t, bytes.Equal(reversed(big), out), "%d bytes", n)
	}
	parents, workers = lanesResident(t)
	assert.GreaterOrEqual(t, parents, uint64(16<<20), "the inputs were written to the parent's lane")
	assert.GreaterOrEqual(t, workers, uint64(16<<20), "the outputs were read from the worker's lane")

	huge := pattern(70 << 20) // more than a lane holds: the pipe carries it
	huge[0] = 1
	out, err = p.Submit(bg(), huge).Result(bg())
	require.NoError(t, err)
	require.True(t, bytes.Equal(reversed(huge), out))
	parents, workers = lanesResident(t)
	require.Greater(t, parents+workers, uint64(16<<20), "the lanes keep the memory of the last large values")

	lane := pattern(64 << 10)
	for range 70 { // values that need no more than 4 MiB of a lane
		_, err := p.Submit(bg(), lane).Result(bg())
		require.NoError(t, err)
	}
	parents, workers = lanesResident(t)
	assert.LessOrEqual(t, parents, uint64(4<<20+64<<10), "once 64 values in a row needed less, a lane gives back all but 4 MiB")
	assert.LessOrEqual(t, workers, uint64(4<<20+64<<10), "and so does the worker's")
}

// laneFiles returns the lane files left in /dev/shm under a name: there
// should never be any, as each is unlinked once made.
func laneFiles(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob("/dev/shm/procpool-lanes-*")
	require.NoError(t, err)
	return names
}

// holdsLanes reports whether one of this process's descriptors is a lane
// file.
func holdsLanes(t *testing.T) bool {
	t.Helper()
	fds, err := filepath.Glob("/proc/self/fd/*")
	require.NoError(t, err)
	for _, fd := range fds {
		if link, _ := os.Readlink(fd); strings.Contains(link, "procpool-lanes") {
			return true
		}
	}
	return false
}

func TestLanesGoWithTheirWorker(t *testing.T) {
	p := procpool.New(laneCrashTask, procpool.Workers(2), procpool.RecycleAfter(5))
	ins := make([][]byte, 24)
	for i := range ins {
		ins[i] = pattern(1<<20 + i)
		ins[i][0] = byte(i)
	}
	crash := pattern(1 << 20)
	crash[0] = 0xFF
	ins[10] = crash
	_, err := p.Map(bg(), ins)
	require.ErrorIs(t, err, procpool.ErrWorkerDied, "the input that ends its worker fails")

	fs := make([]*future.Future[[]byte], len(ins))
	for i, in := range ins {
		if i != 10 {
			fs[i] = p.Submit(bg(), in)
		}
	}
	for i, f := range fs {
		if f != nil {
			out, err := f.Result(bg())
			require.NoError(t, err, "input %d", i)
			require.True(t, bytes.Equal(reversed(ins[i]), out), "input %d", i)
		}
	}
	assert.Empty(t, laneFiles(t), "lane files are unlinked as soon as they are made")
	// A worker that replaces a recycled one may still be starting: the
	// parent holds the lanes' descriptor until it has mapped them.
	eventually(t, 10*time.Second, func() bool { return len(laneFilesMapped(t)) == len(children(t)) && !holdsLanes(t) },
		"lanes are mapped for each live worker, and for no dead or retired one; "+
			"the parent closes its descriptor of the lanes once the worker has mapped them")

	require.NoError(t, p.Close())
	assert.Empty(t, mappedInodes(t, "procpool-lanes"), "lanes still mapped after Close")
	assert.False(t, holdsLanes(t), "a lane descriptor still open after Close")
	assertNoChildren(t)
}

// TestHelperLanes is not a test: TestLanesReleasedWhenTheParentIsKilled
// runs this test binary again as a parent whose workers have used their
// lanes. It prints the lanes' inodes and waits to be killed.
func TestHelperLanes(t *testing.T) {
	if os.Getenv(helperEnv) != "Lanes" {
		t.Skip("helper process for TestLanesReleasedWhenTheParentIsKilled")
	}
	p := procpool.New(laneCrashTask, procpool.Workers(2))
	ins := make([][]byte, 8)
	for i := range ins {
		ins[i] = pattern(1 << 20)
	}
	_, err := p.Map(bg(), ins)
	require.NoError(t, err)
	fmt.Printf("inodes %s\n", strings.Join(laneFilesMapped(t), " "))
	select {} // until killed
}

// A worker's lanes are freed when the parent dies, even by SIGKILL: the
// workers go with it, and nothing else holds the memory.
func TestLanesReleasedWhenTheParentIsKilled(t *testing.T) {
	h := startHelper(t, "Lanes", nil)
	inodes := strings.Fields(h.next(t, "inodes ", time.Minute))
	require.Len(t, inodes, 2, "a pair of lanes for each worker")
	for _, ino := range inodes {
		require.Len(t, mappersOfFile(ino, "procpool-lanes"), 2, "the parent and its worker map the lanes")
	}
	require.NoError(t, h.cmd.Process.Signal(syscall.SIGKILL))
	_ = h.wait(t, time.Minute)
	for _, ino := range inodes {
		eventually(t, time.Minute, func() bool { return len(mappersOfFile(ino, "procpool-lanes")) == 0 },
			"processes still map lanes %s after the parent was killed", ino)
	}
}

// TestHelperFullShm is not a test: TestLanesOnAFullDevShm runs this test
// binary again with a 2 MiB /dev/shm of its own. It sends values that
// its lanes cannot hold and prints how each came back.
func TestHelperFullShm(t *testing.T) {
	if os.Getenv(helperEnv) != "FullShm" {
		t.Skip("helper process for TestLanesOnAFullDevShm")
	}
	p := procpool.New(laneCrashTask, procpool.Workers(2))
	defer p.Close()
	for _, n := range []int{1 << 20, 3 << 20, 8 << 20, 1 << 20} {
		in := pattern(n)
		in[0] = 1
		out, err := p.Submit(bg(), in).Result(bg())
		fmt.Printf("value %d: %v %v\n", n, err, bytes.Equal(reversed(in), out))
	}
	ins := make([][]byte, 12)
	for i := range ins {
		ins[i] = pattern(1 << 20)
		ins[i][0] = byte(i)
	}
	outs, err := p.Map(bg(), ins)
	same := err == nil
	for i := range outs {
		same = same && bytes.Equal(reversed(ins[i]), outs[i])
	}
	fmt.Printf("map: %v %v\n", err, same)
}

// fullShm returns the command that runs this test binary's helper with
// a /dev/shm of 2 MiB in a mount namespace of its own, or skips the test
// where that cannot be made (and fails it in CI).
func fullShm(t *testing.T) *exec.Cmd {
	t.Helper()
	script := `mount -t tmpfs -o size=2m tmpfs /dev/shm && exec "$0" "$@"`
	var why string
	if _, err := exec.LookPath("unshare"); err != nil {
		why = "unshare is not installed (util-linux)"
	} else if out, err := exec.Command("unshare", "-m", "sh", "-c", script, "true").CombinedOutput(); err != nil {
		why = fmt.Sprintf("a mount namespace with its own /dev/shm needs root: %v: %s", err, out)
	}
	if why != "" {
		cannotRun(t, "the full /dev/shm test", why)
	}
	cmd := exec.Command("unshare", "-m", "sh", "-c", script, os.Args[0], "-test.run=^TestHelperFullShm$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=FullShm")
	return cmd
}

// A /dev/shm too small for the lanes costs speed, never a value: the
// lanes that cannot be made are not offered, and a value whose lane
// memory cannot be had takes the pipe.
func TestLanesOnAFullDevShm(t *testing.T) {
	h := startReporting(t, fullShm(t))
	for _, n := range []int{1 << 20, 3 << 20, 8 << 20, 1 << 20} {
		assert.Equal(t, "<nil> true", h.next(t, fmt.Sprintf("value %d: ", n), time.Minute), "%d bytes", n)
	}
	assert.Equal(t, "<nil> true", h.next(t, "map: ", time.Minute))
	require.NoError(t, h.wait(t, time.Minute), "the helper ends as it should: %s", h.stderr.String())
}

// Lanes offered to a worker whose start then fails (its initializer
// does) are released with it.
func TestLanesOfAFailedStartAreReleased(t *testing.T) {
	err := startError(t, initializedTask, 1, procpool.Workers(1), procpool.Init(initTask, "fail"))
	assert.Contains(t, err.Error(), "cannot load the model")
	eventually(t, 10*time.Second, func() bool { return len(laneFilesMapped(t)) == 0 && !holdsLanes(t) },
		"lanes still mapped, or their descriptor open, after the start failed")
}

// A set's worker keeps its lanes from pool to pool: large values of two
// tasks cross them in turn.
func TestLanesServeEveryPoolOfASet(t *testing.T) {
	set, _ := newSet(t, procpool.Workers(1))
	reverse := procpool.New(laneCrashTask, procpool.On(set))
	blobs := procpool.New(blobTask, procpool.On(set))
	for round := range 4 {
		in := pattern(1<<20 + round)
		in[0] = 1
		out, err := reverse.Submit(bg(), in).Result(bg())
		require.NoError(t, err)
		require.True(t, bytes.Equal(reversed(in), out), "round %d", round)
		b, err := blobs.Submit(bg(), blob(in)).Result(bg())
		require.NoError(t, err)
		require.Len(t, b, len(in))
		require.Equal(t, in[len(in)-1]+1, b[len(b)-1], "round %d", round)
	}
	assert.Equal(t, uint64(1), set.Stats().Started, "one process served both")
	require.Len(t, laneFilesMapped(t), 1)
	parents, workers := lanesResident(t)
	assert.GreaterOrEqual(t, min(parents, workers), uint64(1<<20), "both lanes carried the values")
}
