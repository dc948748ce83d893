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

// laneToken is where, in the header of the parent's lane, the parent
// writes a random token that the Setup names too: a worker maps the lanes
// only if it finds the token there, so that a descriptor that happens to
// match elsewhere (another parent of the same pid in another container)
// never joins two strangers.
const (
	laneTokenAt  = 8 // after the count, which wire keeps in the first 8 bytes
	laneTokenLen = 16
)

// lanes is the memory a worker on the parent's machine and the parent
// share for large values: the parent's lane, which it writes and the
// worker reads, then the worker's, each mapped on its own. Their file
// lives in /dev/shm, unlinked, so the kernel frees it once both processes
// have unmapped it or exited, even if the parent is killed.
type lanes struct {
	file    *os.File // the parent's descriptor, through which the worker opens it, until it has
	parents []byte   // the parent's mapping of its lane
	workers []byte   // and of the worker's
	ref     wire.Region
}

// handedOver closes the parent's descriptor once the worker has mapped
// the lanes, or will not: the mappings keep the memory.
func (l *lanes) handedOver() {
	if l != nil && l.file != nil {
		l.file.Close()
		l.file = nil
	}
}

// unmap releases the parent's mappings. Nothing may read or write the
// lanes any more.
func (l *lanes) unmap() {
	if l == nil {
		return
	}
	l.handedOver()
	unmapFile(l.parents)
	unmapFile(l.workers)
	l.parents, l.workers = nil, nil
}
