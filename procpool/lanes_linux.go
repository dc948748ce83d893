package procpool

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"unsafe"

	"github.com/poolkit/poolkit/internal/wire"
)

// newLanes makes the lanes for a worker on this machine, or returns nil
// if it cannot: values then cross the pipe, as they do to a worker
// elsewhere. A 32-bit process has no address space to spare for them.
func newLanes() *lanes {
	if strconv.IntSize < 64 {
		return nil
	}
	f, err := os.CreateTemp("/dev/shm", "procpool-lanes-*")
	if err != nil {
		return nil
	}
	size := 2 * (wire.LaneHeader + laneSize)
	err = os.Remove(f.Name())
	if err == nil {
		err = f.Truncate(int64(size))
	}
	// The headers are read and written without a guard: their pages must
	// exist, which writing them here makes sure of. A full /dev/shm
	// refuses the write, where it would fault the first read.
	var header [wire.LaneHeader]byte
	for _, off := range []int64{0, int64(size / 2)} {
		if err == nil {
			_, err = f.WriteAt(header[:], off)
		}
	}
	var fi os.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	var mem []byte
	if err == nil {
		mem, err = syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	}
	if err != nil {
		f.Close()
		return nil
	}
	l := &lanes{file: f, mem: mem, ref: wire.Region{PID: os.Getpid(), FD: int(f.Fd()), Size: int64(size)}}
	l.ref.Dev, l.ref.Ino = fileID(fi)
	return l
}

// mapLanes maps, in a worker, the lanes its parent made, through the
// parent's descriptor of them, and checks that they are the file meant.
func mapLanes(ref *wire.Region) ([]byte, error) {
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/%d", ref.PID, ref.FD), os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if dev, ino := fileID(fi); dev != ref.Dev || ino != ref.Ino || fi.Size() != ref.Size {
		return nil, fmt.Errorf("descriptor %d of process %d is not the lanes it offered", ref.FD, ref.PID)
	}
	return syscall.Mmap(int(f.Fd()), 0, int(ref.Size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
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
