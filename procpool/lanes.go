package procpool

import (
	"os"

	"github.com/poolkit/poolkit/internal/wire"
)

// laneSize is the size of each of the two lanes a worker on the parent's
// machine shares with it (see [wire.Conn.SetLanes]): a raw value of 64 KiB
// or more up to this size crosses as a copy into shared memory and a copy
// out, instead of through the pipe. The size is reserved address space:
// only the parts written are in memory, and once 64 values in a row
// needed no more than 4 MiB, a lane gives the rest back.
const laneSize = 64 << 20

// lanes is the memory a worker on the parent's machine and the parent
// share for large values: the parent's lane, which it writes and the
// worker reads, then the worker's. Its file lives in /dev/shm, unlinked,
// so the kernel frees it once both processes have unmapped it or exited,
// even if the parent is killed.
type lanes struct {
	file *os.File // the parent's descriptor, through which the worker opens it, until it has
	mem  []byte   // the parent's mapping of both lanes
	ref  wire.Region
}

// halves returns mem's two lanes: the parent's, then the worker's.
func halves(mem []byte) (parents, workers []byte) {
	n := len(mem) / 2
	return mem[:n:n], mem[n:]
}

// handedOver closes the parent's descriptor once the worker has mapped
// the lanes, or will not: the mappings keep the memory.
func (l *lanes) handedOver() {
	if l != nil && l.file != nil {
		l.file.Close()
		l.file = nil
	}
}

// unmap releases the parent's mapping. Nothing may read or write the
// lanes any more.
func (l *lanes) unmap() {
	if l == nil {
		return
	}
	l.handedOver()
	unmapFile(l.mem)
	l.mem = nil
}
