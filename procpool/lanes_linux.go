package procpool

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"unsafe"

	"github.com/poolkit/poolkit/internal/wire"
)

// tmpfsMagic is the type statfs reports for a tmpfs: memory, not disk.
const tmpfsMagic = 0x01021994

// laneSpan is the size of one lane in the file: its header and laneSize
// bytes, rounded up to whole pages so that each lane maps on its own.
func laneSpan() int {
	page := os.Getpagesize()
	return (wire.LaneHeader + laneSize + page - 1) / page * page
}

// newLanes makes the lanes for a worker on this machine, or returns nil
// if it cannot: values then cross the pipe, as they do to a worker
// elsewhere. A 32-bit process has no address space to spare for them, and
// a /dev/shm that is not memory would write them to disk.
func newLanes() *lanes {
	var st syscall.Statfs_t
	if strconv.IntSize < 64 || syscall.Statfs("/dev/shm", &st) != nil || st.Type != tmpfsMagic {
		return nil
	}
	f, err := os.CreateTemp("/dev/shm", "procpool-lanes-*")
	if err != nil {
		return nil
	}
	l, err := fillLanes(f)
	if err != nil {
		f.Close()
		return nil
	}
	return l
}

// fillLanes unlinks f, sizes it for two lanes, writes their headers and
// the token, and maps them.
func fillLanes(f *os.File) (*lanes, error) {
	if err := os.Remove(f.Name()); err != nil {
		return nil, err
	}
	span := laneSpan()
	if err := f.Truncate(int64(2 * span)); err != nil {
		return nil, err
	}
	// The headers are read and written without a guard: their pages must
	// exist, which writing them here makes sure of. A full /dev/shm
	// refuses the write, where it would fault the first read.
	token := make([]byte, laneTokenLen)
	_, _ = rand.Read(token)
	header := make([]byte, wire.LaneHeader)
	for _, off := range []int64{int64(span), 0} {
		if _, err := f.WriteAt(header, off); err != nil {
			return nil, err
		}
		copy(header[laneTokenAt:], token)
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	l := &lanes{file: f, ref: wire.Region{PID: os.Getpid(), FD: int(f.Fd()), Size: fi.Size(), Token: string(token)}}
	l.ref.Host, _ = os.Hostname()
	l.ref.Dev, l.ref.Ino = fileID(fi)
	if l.parents, l.workers, err = mapBoth(f, span); err != nil {
		return nil, err
	}
	return l, nil
}

// mapBoth maps the two lanes of f, each span bytes, shared and writable.
func mapBoth(f *os.File, span int) (parents, workers []byte, err error) {
	prot, flags := syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED
	if parents, err = syscall.Mmap(int(f.Fd()), 0, span, prot, flags); err != nil {
		return nil, nil, err
	}
	if workers, err = syscall.Mmap(int(f.Fd()), int64(span), span, prot, flags); err != nil {
		unmapFile(parents)
		return nil, nil, err
	}
	return parents, workers, nil
}

// mapLanes maps, in a worker, the lanes its parent made, through the
// parent's descriptor of them, once it has checked that they are the
// very file meant: the same identity, size and token.
func mapLanes(ref *wire.Region) (parents, workers []byte, err error) {
	if host, _ := os.Hostname(); host != ref.Host {
		return nil, nil, fmt.Errorf("lanes of a parent on %s, not this machine (%s)", ref.Host, host)
	}
	notOffered := fmt.Errorf("descriptor %d of process %d is not the lanes it offered", ref.FD, ref.PID)
	f, fi, err := openRegion(*ref, os.O_RDWR)
	switch {
	case err == errOtherFile:
		return nil, nil, notOffered
	case err != nil:
		return nil, nil, err
	}
	defer f.Close()
	span := laneSpan()
	if fi.Size() != ref.Size || fi.Size() != int64(2*span) {
		return nil, nil, notOffered
	}
	// Read, not through a mapping: a page of a full /dev/shm that was never
	// written faults when mapped memory reads it, and reads as zeros here.
	token := make([]byte, laneTokenLen)
	if _, err := f.ReadAt(token, laneTokenAt); err != nil || string(token) != ref.Token {
		return nil, nil, errors.New("the lanes do not hold the token the parent named")
	}
	return mapBoth(f, span)
}

// releaseLane gives the memory of the whole pages in b, a part of a lane
// that holds nothing, back to the system; they read as zeros after.
func releaseLane(b []byte) {
	page := uintptr(os.Getpagesize())
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	first := (addr + page - 1) &^ (page - 1)
	last := (addr + uintptr(len(b))) &^ (page - 1)
	if last > first {
		_ = syscall.Madvise(b[first-addr:last-addr], syscall.MADV_REMOVE)
	}
}
