package wire

import (
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"unsafe"
)

// A lane is memory that both ends of a Conn map, when they run on one
// machine: one lane for each direction. A raw value of laneMin bytes or
// more is copied into the sender's lane, and only a lane frame crosses the
// pipe: the value's length in the header and its offset in the lane as
// the payload. The receiver copies the value out into the slice it keeps
// and counts the bytes it took in the lane's header, so the sender knows
// which part of the lane it may write again. A pipe moves a value in
// pieces of its capacity, waking the reader for each; a lane moves it with
// one copy on each side, whatever its size.
//
// A value the lane has no room for goes as a raw frame, as it would
// without a lane: the lane is never waited for. A peer that breaks the
// rules of a lane (an offset past its end, a count that runs ahead of
// what was sent) is treated as garbage on the pipe or stops the use of
// the lane; neither can make a process read or write outside the lane.
const laneMin = 64 << 10

// LaneHeader is the number of bytes at the start of a lane before its
// values. Its first 8 hold the count of bytes the lane's receiver took
// out; the rest are left to whoever made the lane. A lane is at least
// LaneHeader bytes long, starts 8-byte aligned, and has the memory of its
// header: the two ends read and write the count without a guard.
const LaneHeader = 64

// laneMark is the mark of a frame whose value is in the lane.
var laneMark = [2]byte{0xB7, 0x0E}

// laneOffsetLen is the size of a lane frame's payload: the value's offset.
const laneOffsetLen = 8

// laneTaken returns the count of bytes the receiver took out of lane.
func laneTaken(lane []byte) *atomic.Uint64 {
	return (*atomic.Uint64)(unsafe.Pointer(&lane[0]))
}

// laneOut is the sending side of a lane.
type laneOut struct {
	data    []byte         // where values go: the lane after its header
	min     int            // the size from which a value goes into the lane
	taken   *atomic.Uint64 // bytes the receiver took out, counted by it
	sent    []span         // values the receiver has not taken out yet, in the order sent
	counted uint64         // bytes taken out of values no longer in sent
	high    int            // the end of the highest value written since the lane was last given back
	calm    int            // values written since the last that reached past laneKeep
	release func([]byte)   // gives back the memory of part of the lane; may be nil
}

// span is the place of one value in a lane.
type span struct{ off, n int }

// laneKeep is how much of an empty lane stays in memory once laneCalm
// values in a row needed no more: the rest is given back, so that a few
// very large values do not leave a lane's worth of memory behind them,
// while a stream of them does not make the system fill its pages again
// for each.
const (
	laneKeep = 4 << 20
	laneCalm = 64
)

func newLaneOut(lane []byte, release func([]byte)) *laneOut {
	if len(lane) < LaneHeader {
		return nil
	}
	return &laneOut{data: lane[LaneHeader:], min: laneMin, taken: laneTaken(lane), release: release}
}

// put copies p into the lane and returns its offset there, or false if
// the lane has no room for it now. An empty value has nothing to carry,
// and no place in the lane.
func (l *laneOut) put(p []byte) (int, bool) {
	if len(p) == 0 || !l.forget() {
		return 0, false
	}
	off, ok := l.place(len(p))
	if !ok {
		return 0, false
	}
	if !copyFaultless(l.data[off:], p) {
		if l.release != nil { // what it got of the memory goes back, for others
			l.release(l.data[off : off+len(p)])
		}
		l.data = nil
		return 0, false
	}
	l.sent = append(l.sent, span{off, len(p)})
	l.high = max(l.high, off+len(p))
	l.calm++
	if off+len(p) > laneKeep {
		l.calm = 0
	}
	return off, true
}

// forget drops the values the receiver has taken out, and gives back the
// memory of an empty lane beyond laneKeep. It reports false, and stops
// the use of the lane, if the receiver's count cannot be right.
func (l *laneOut) forget() bool {
	if l.data == nil {
		return false
	}
	taken := l.taken.Load()
	for len(l.sent) > 0 && taken >= l.counted+uint64(l.sent[0].n) {
		l.counted += uint64(l.sent[0].n)
		l.sent = l.sent[1:]
	}
	if taken != l.counted { // the receiver takes whole values, in order: it broke the lane
		l.data = nil
		return false
	}
	if len(l.sent) == 0 {
		l.sent = l.sent[:0:0]
		if l.high > laneKeep && l.calm >= laneCalm {
			if l.release != nil {
				l.release(l.data[laneKeep:l.high])
			}
			l.high = laneKeep
		}
	}
	return true
}

// copyFaultless copies src to the start of dst, and reports false
// instead of ending the process if either cannot be touched: a lane in a
// full /dev/shm faults (SIGBUS) where a write to the file would return an
// error, and so does reading a part of it that was never written.
func copyFaultless(dst, src []byte) (ok bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	copyChunks(dst, src)
	return true
}

// copyChunks copies src to the start of dst a piece at a time, yielding
// between pieces. A goroutine inside a copy cannot be stopped: the garbage
// collector, which stops each goroutine briefly to scan its stack, would
// spin and signal on another CPU until the copy of a large value ended.
// At the yield it stops at once. (1 MiB in and out of a worker: 0.88 ms,
// against 0.96 ms for pieces without the yield, medians of 8 alternated
// runs; 16 MiB unchanged.)
func copyChunks(dst, src []byte) {
	const chunk = 256 << 10
	for len(src) > chunk {
		copy(dst, src[:chunk])
		dst, src = dst[chunk:], src[chunk:]
		runtime.Gosched()
	}
	copy(dst, src)
}

// place finds room for n bytes after the last value sent, going back to
// the start of the lane as soon as the oldest value leaves room there, so
// that the lane's memory in use stays near what is in it at once.
func (l *laneOut) place(n int) (int, bool) {
	if len(l.sent) == 0 {
		return 0, n <= len(l.data)
	}
	head, last := l.sent[0], l.sent[len(l.sent)-1]
	tail := last.off + last.n
	switch {
	case last.off < head.off: // wrapped: the free part is between the two
		return tail, tail+n <= head.off
	case n <= head.off:
		return 0, true
	}
	return tail, tail+n <= len(l.data)
}

// laneIn is the receiving side of a lane.
type laneIn struct {
	data  []byte
	taken *atomic.Uint64
	count uint64 // what taken holds: only this side writes it
}

func newLaneIn(lane []byte) *laneIn {
	if len(lane) < LaneHeader {
		return nil
	}
	taken := laneTaken(lane)
	return &laneIn{data: lane[LaneHeader:], taken: taken, count: taken.Load()}
}

// take copies the n bytes at off out of the lane into a new slice.
func (l *laneIn) take(off uint64, n int) ([]byte, error) {
	if off > uint64(len(l.data)) || uint64(n) > uint64(len(l.data))-off {
		return nil, fmt.Errorf("wire: a value of %d bytes at offset %d of a lane of %d", n, off, len(l.data))
	}
	b := newValue(n)
	if !copyFaultless(b, l.data[off:off+uint64(n)]) {
		return nil, fmt.Errorf("wire: a value of %d bytes at offset %d of the lane cannot be read: the sender never wrote it", n, off)
	}
	l.skip(n)
	return b, nil
}

// skip counts n bytes as taken out without reading them.
func (l *laneIn) skip(n int) {
	l.count += uint64(n)
	l.taken.Store(l.count)
}

// value writes p, a raw value that follows a message: into the lane if
// it is large enough and fits, with a lane frame on the pipe, else as a
// raw frame.
func (f *frameWriter) value(p []byte) error {
	if f.lane != nil && len(p) >= f.lane.min {
		if off, ok := f.lane.put(p); ok {
			var b [headerLen + laneOffsetLen]byte
			copy(b[:], laneMark[:])
			binary.BigEndian.PutUint32(b[2:], uint32(len(p)))
			binary.BigEndian.PutUint64(b[headerLen:], uint64(off))
			if _, err := f.w.Write(b[:]); err != nil {
				return &WriteError{err}
			}
			return nil
		}
	}
	_, err := f.frame(rawMark, p)
	return err
}

// readLane reads the payload of a lane frame for a value of n bytes, its
// offset, and takes the value out of the lane.
func (f *frameReader) readLane(n int) ([]byte, error) {
	if f.lane == nil {
		return nil, f.garbage(f.hdr[:], "a lane frame, but there is no lane")
	}
	var b [laneOffsetLen]byte
	if _, err := io.ReadFull(f.r, b[:]); err != nil {
		return nil, err
	}
	return f.lane.take(binary.BigEndian.Uint64(b[:]), n)
}

// SetLanes gives c the lanes it shares with its peer: out, which c writes
// values into, and in, which the peer writes into and c reads. Either may
// be nil: a Conn reads lane frames only with an in lane, and writes them
// only with an out lane, so a process sets its in lane before it tells
// its peer of the lanes, and its out lane once the peer has mapped them.
// release, if not nil, is called with parts of out that hold nothing, to
// give their memory back. SetLanes(nil, nil, nil) stops their use; after
// it, c touches neither lane. It must not be called during Send or
// Receive.
func (c *Conn) SetLanes(out, in []byte, release func([]byte)) {
	c.fw.lane, c.fr.lane = newLaneOut(out, release), newLaneIn(in)
}
