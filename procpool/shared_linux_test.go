package procpool_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/procpool"
)

// The region's memory exists once: once a worker has read all of it, the
// parent's share of the same pages is at most half of them.
func TestSharedMemoryIsCountedOnce(t *testing.T) {
	const n = 32 << 20
	r, err := procpool.Share(pattern(n))
	require.NoError(t, err)
	defer r.Close()
	p := procpool.New(checksumTask, procpool.Workers(1))
	defer p.Close()
	_, err = p.Submit(bg(), span{Region: r, Len: n}).Result(bg())
	require.NoError(t, err)

	data, err := r.Bytes()
	require.NoError(t, err)
	for i := 0; i < n; i += 4096 {
		sink += data[i] // touch every page
	}
	rss, pss := smapsOf(t, uintptr(unsafe.Pointer(&data[0])))
	assert.GreaterOrEqual(t, rss, uint64(n), "the parent's resident part of the region")
	assert.LessOrEqual(t, pss, uint64(n)*3/4, "the parent's proportional share of the region, which a worker maps too")
}

// sink keeps the reads of TestSharedMemoryIsCountedOnce from being
// optimised away.
var sink byte

// smapsOf returns the Rss and Pss, in bytes, of this process's mapping
// that starts at addr.
func smapsOf(t *testing.T, addr uintptr) (rss, pss uint64) {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	start := fmt.Sprintf("%x-", addr)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			if in {
				return rss, pss
			}
			in = strings.HasPrefix(line, start)
			continue
		}
		if !in {
			continue
		}
		for name, to := range map[string]*uint64{"Rss:": &rss, "Pss:": &pss} {
			if rest, ok := strings.CutPrefix(line, name); ok {
				kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				require.NoError(t, err, line)
				*to = kb << 10
			}
		}
	}
	require.True(t, in, "no mapping at %#x in /proc/self/smaps", addr)
	return rss, pss
}

// TestHelperShared is not a test: TestSharedReleasedWhenTheParentIsKilled
// runs this test binary again as a parent whose workers have mapped a
// region. It prints the region's inode and waits to be killed.
func TestHelperShared(t *testing.T) {
	if os.Getenv(helperEnv) != "Shared" {
		t.Skip("helper process for TestSharedReleasedWhenTheParentIsKilled")
	}
	const n = 8 << 20
	r, err := procpool.Share(pattern(n))
	require.NoError(t, err)
	p := procpool.New(checksumTask, procpool.Workers(2))
	_, err = p.Map(bg(), spans(r, n, 64))
	require.NoError(t, err)
	fmt.Printf("inode %s\n", sharedInode(t))
	select {} // until killed
}

// sharedInode returns the inode of the one region this process maps.
func sharedInode(t *testing.T) string {
	t.Helper()
	inodes := mappedInodes(t, "procpool-shared")
	require.Len(t, inodes, 1, "shared regions in /proc/self/maps")
	return inodes[0]
}

// mappedInodes returns the inodes of the files this process maps whose
// names contain name.
func mappedInodes(t *testing.T, name string) []string {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	require.NoError(t, err)
	var inodes []string
	for line := range strings.Lines(string(maps)) {
		if f := strings.Fields(line); len(f) >= 6 && strings.Contains(f[5], name) {
			inodes = append(inodes, f[4])
		}
	}
	return inodes
}

// mappersOf returns the processes that map the region file with inode ino.
func mappersOf(ino string) []int {
	return mappersOfFile(ino, "procpool-shared")
}

// mappersOfFile returns the processes that map the file with inode ino
// whose name contains name.
func mappersOfFile(ino, name string) []int {
	paths, _ := filepath.Glob("/proc/[0-9]*/maps")
	var pids []int
	for _, path := range paths {
		maps, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		for line := range strings.Lines(string(maps)) {
			if f := strings.Fields(line); len(f) >= 6 && f[4] == ino && strings.Contains(f[5], name) {
				pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// A region made by Share is freed when the parent dies, even by SIGKILL:
// its workers go with it, and nothing else holds the memory.
func TestSharedReleasedWhenTheParentIsKilled(t *testing.T) {
	h := startHelper(t, "Shared", nil)
	ino := h.next(t, "inode ", time.Minute)
	require.GreaterOrEqual(t, len(mappersOf(ino)), 2, "processes that map the region while the parent runs: it and its workers")
	require.NoError(t, h.cmd.Process.Signal(syscall.SIGKILL))
	_ = h.wait(t, time.Minute)
	eventually(t, time.Minute, func() bool { return len(mappersOf(ino)) == 0 },
		"processes still map the region after the parent was killed")
}

// Close unmaps the region in the parent and closes its descriptor; with
// no worker holding it, nothing is left of it.
func TestSharedCloseReleasesIt(t *testing.T) {
	r, err := procpool.Share(pattern(1 << 20))
	require.NoError(t, err)
	data, err := r.Bytes()
	require.NoError(t, err)
	ino := inodeAt(t, uintptr(unsafe.Pointer(&data[0])))
	require.Equal(t, []int{os.Getpid()}, mappersOf(ino), "the parent maps the region before Close")
	require.True(t, holdsInode(t, ino), "the parent holds a descriptor of the region before Close")
	require.NoError(t, r.Close())
	assert.Empty(t, mappersOf(ino), "processes that map the region after Close")
	assert.False(t, holdsInode(t, ino), "the parent still holds a descriptor of the region after Close")
}

// inodeAt returns the inode of the file mapped at addr in this process.
func inodeAt(t *testing.T, addr uintptr) string {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	require.NoError(t, err)
	for line := range strings.Lines(string(maps)) {
		if f := strings.Fields(line); len(f) >= 6 && strings.HasPrefix(line, fmt.Sprintf("%x-", addr)) {
			return f[4]
		}
	}
	require.FailNow(t, "nothing mapped at the region's address")
	return ""
}

// holdsInode reports whether one of this process's descriptors is the
// region file with inode ino.
func holdsInode(t *testing.T, ino string) bool {
	t.Helper()
	fds, err := filepath.Glob("/proc/self/fd/*")
	require.NoError(t, err)
	for _, fd := range fds {
		var st syscall.Stat_t
		if syscall.Stat(fd, &st) == nil && strconv.FormatUint(st.Ino, 10) == ino {
			if link, _ := os.Readlink(fd); strings.Contains(link, "procpool-shared") {
				return true
			}
		}
	}
	return false
}

// A named pipe is refused at once: opening it would block until a writer
// came.
func TestShareFileRefusesANamedPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	_, err := procpool.ShareFile(fifo)
	assert.ErrorContains(t, err, "not a regular file")
}
