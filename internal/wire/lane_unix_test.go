//go:build unix

package wire

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultingLane returns a lane of 64 pages whose memory faults past its
// first page, as a lane in a full /dev/shm does: a mapping past the end
// of its file.
func faultingLane(t *testing.T) []byte {
	t.Helper()
	page := os.Getpagesize()
	f, err := os.CreateTemp(t.TempDir(), "lane")
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Truncate(int64(page)))
	mem, err := syscall.Mmap(int(f.Fd()), 0, 64*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	require.NoError(t, err)
	t.Cleanup(func() { syscall.Munmap(mem) })
	return mem
}

func TestLaneThatFaultsSendsOnThePipe(t *testing.T) {
	page := os.Getpagesize()
	mem := faultingLane(t)

	c, buf := loop(1 << 20)
	c.SetLanes(mem, make([]byte, LaneHeader+1<<20), nil)
	c.fw.lane.min = 100
	p := payload(10 * page)
	lanes, raws := sendOne(t, c, buf, 1, p)
	assert.Equal(t, [2]int{0, 1}, [2]int{lanes, raws}, "the value goes on the pipe")
	assert.Nil(t, c.fw.lane.data, "and the lane is no longer used")
	c.fr.lane = nil
	receiveOne(t, c, p)
}

func TestLaneFrameIntoMemoryThatFaultsIsRefused(t *testing.T) {
	// A peer that names a part of the lane its memory cannot back: the
	// reader refuses the frame instead of ending the process.
	page := os.Getpagesize()
	mem := faultingLane(t)

	msg := frames(&Reply[[]byte]{ID: 1, N: 1, Outs: [][]byte{nil}, Bulk: []int{0}})
	msg = binary.BigEndian.AppendUint32(append(msg, laneMark[:]...), 100)
	msg = binary.BigEndian.AppendUint64(msg, uint64(10*page))
	c := NewConn(bytes.NewReader(msg), io.Discard, fuzzLimit)
	c.SetLanes(nil, mem, nil)
	err := c.Receive(new(Reply[[]byte]))
	var re *ReadError
	require.ErrorAs(t, err, &re, "the stream cannot go on")
	assert.Contains(t, err.Error(), "cannot be read")
}
