package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// laneLoop returns a Conn that reads what it writes, with a lane of size
// bytes for values that it both writes and reads, and the lane and the
// pipe's buffer.
func laneLoop(size int, release func([]byte)) (*Conn, []byte, *bytes.Buffer) {
	c, buf := loop(64 << 20)
	lane := make([]byte, LaneHeader+size)
	c.SetLanes(lane, lane, release)
	return c, lane, buf
}

// laneFrames counts the lane frames and raw frames in a stream.
func laneFrames(t *testing.T, stream []byte) (lanes, raws int) {
	t.Helper()
	for len(stream) > 0 {
		require.GreaterOrEqual(t, len(stream), headerLen)
		n := int(binary.BigEndian.Uint32(stream[2:]))
		switch [2]byte(stream[:2]) {
		case laneMark:
			lanes++
			n = laneOffsetLen
		case rawMark:
			raws++
		}
		stream = stream[headerLen+n:]
	}
	return lanes, raws
}

func TestLaneCarriesLargeValues(t *testing.T) {
	for _, n := range []int{laneMin - 1, laneMin, 1 << 20} {
		c, lane, buf := laneLoop(2<<20, nil)
		p := payload(n)
		msg := &Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{p, []byte("small")}, N: 2}
		require.NoError(t, c.Send(msg))
		require.NoError(t, c.Flush())
		lanes, raws := laneFrames(t, buf.Bytes())
		if n >= laneMin {
			assert.Equal(t, [2]int{1, 0}, [2]int{lanes, raws}, "%d bytes go through the lane", n)
			assert.Less(t, buf.Len(), 1<<10, "only the message (with its type, the first time) and the lane frame cross the pipe")
			assert.Equal(t, p, lane[LaneHeader:LaneHeader+n])
		} else {
			assert.Equal(t, [2]int{0, 1}, [2]int{lanes, raws}, "%d bytes go raw on the pipe", n)
		}
		got := new(Request[[]byte])
		require.NoError(t, c.Receive(got))
		assert.Equal(t, msg, got)
		if n >= laneMin {
			assert.EqualValues(t, n, laneTaken(lane).Load(), "the receiver counts what it took out")
		}
	}
}

func TestLaneStringsAndNumbers(t *testing.T) {
	c, _, buf := laneLoop(4<<20, nil)
	c.SetFlat(true)
	floats := make([]float64, 100_000)
	for i := range floats {
		floats[i] = float64(i) / 3
	}
	rep := &Reply[float64]{ID: 1, N: len(floats), Outs: floats, Last: true}
	assert.Equal(t, rep, roundTrip(t, c, rep))
	s := &Reply[string]{ID: 2, N: 1, Outs: []string{string(payload(200 << 10))}, Last: true}
	buf.Reset()
	assert.Equal(t, s, roundTrip(t, c, s))
}

// sendOne sends a reply carrying p on c and returns the lane and raw
// frames it wrote.
func sendOne(t *testing.T, c *Conn, buf *bytes.Buffer, id uint64, p []byte) (lanes, raws int) {
	t.Helper()
	before := buf.Len()
	require.NoError(t, c.Send(&Reply[[]byte]{ID: id, N: 1, Outs: [][]byte{p}}))
	require.NoError(t, c.Flush())
	return laneFrames(t, buf.Bytes()[before:])
}

// receiveOne receives a reply on c and checks that it carries want.
func receiveOne(t *testing.T, c *Conn, want []byte) {
	t.Helper()
	got := new(Reply[[]byte])
	require.NoError(t, c.Receive(got))
	require.Equal(t, want, got.Outs[0])
}

func TestLaneIsWrittenAgainOnceTaken(t *testing.T) {
	c, lane, buf := laneLoop(3<<20, nil)
	for i := range 20 {
		p := payload(1<<20 - i)
		lanes, _ := sendOne(t, c, buf, uint64(i), p)
		require.Equal(t, 1, lanes, "value %d goes through the lane", i)
		receiveOne(t, c, p)
	}
	assert.LessOrEqual(t, c.fw.lane.high, 1<<20, "each value went to the start of the emptied lane")
	assert.EqualValues(t, 20*(1<<20)-190, laneTaken(lane).Load())
}

func TestLaneFullSendsOnThePipe(t *testing.T) {
	c, _, buf := laneLoop(2<<20+100, nil)
	vals := [][]byte{payload(1 << 20), bytes.Repeat([]byte{1}, 1<<20), bytes.Repeat([]byte{2}, 1<<20)}
	for i, p := range vals {
		require.NoError(t, c.Send(&Reply[[]byte]{ID: uint64(i), N: 1, Outs: [][]byte{p}}))
	}
	require.NoError(t, c.Flush())
	lanes, raws := laneFrames(t, buf.Bytes())
	assert.Equal(t, [2]int{2, 1}, [2]int{lanes, raws}, "the third value has no room in the lane and goes on the pipe")
	for i, p := range vals {
		got := new(Reply[[]byte])
		require.NoError(t, c.Receive(got))
		assert.Equal(t, uint64(i), got.ID)
		assert.Equal(t, p, got.Outs[0], "value %d", i)
	}
}

func TestLaneWrapsToItsStartWhenRoomIsThere(t *testing.T) {
	c, _, buf := laneLoop(3<<20, nil)
	const M = 1 << 20
	a, b, d, e := payload(M), bytes.Repeat([]byte{3}, M), bytes.Repeat([]byte{4}, M), bytes.Repeat([]byte{5}, M)
	sendOne(t, c, buf, 1, a) // [0, 1M)
	sendOne(t, c, buf, 2, b) // [1M, 2M)
	receiveOne(t, c, a)
	lanes, _ := sendOne(t, c, buf, 3, d)
	assert.Equal(t, 1, lanes)
	assert.Equal(t, []span{{M, M}, {0, M}}, c.fw.lane.sent, "back to the start, which a was taken out of")
	_, raws := sendOne(t, c, buf, 4, e)
	assert.Equal(t, 1, raws, "no room between d and b: on the pipe")
	receiveOne(t, c, b)
	receiveOne(t, c, d)
	receiveOne(t, c, e)
	sendOne(t, c, buf, 5, a)
	assert.Equal(t, []span{{0, M}}, c.fw.lane.sent, "all was taken: the lane starts again at 0")
	receiveOne(t, c, a)
}

func TestLaneGivesBackWhatIsBeyondItsKeep(t *testing.T) {
	var given [][2]int // offsets and lengths given back
	size := 2 * laneKeep
	c, _, _ := laneLoop(size, func(b []byte) {
		given = append(given, [2]int{size - cap(b), len(b)})
	})
	send := func(n int) {
		t.Helper()
		roundTrip(t, c, &Reply[[]byte]{ID: 1, N: 1, Outs: [][]byte{payload(n)}})
	}
	send(laneKeep + 1000)
	send(laneKeep + 500)
	for range laneCalm - 1 {
		send(laneMin)
	}
	assert.Empty(t, given, "nothing is given back while large values came lately")
	send(laneMin)
	assert.Empty(t, given, "nor while the value may still be in the lane")
	send(laneMin)
	assert.Equal(t, [][2]int{{laneKeep, 1000}}, given, "what lies beyond the keep is given back once the lane is empty and calm")
	for range 2 * laneCalm {
		send(laneMin)
	}
	assert.Len(t, given, 1, "and only once")
	send(laneKeep + 1)
	for range laneCalm + 1 {
		send(laneMin)
	}
	assert.Equal(t, [2]int{laneKeep, 1}, given[len(given)-1], "and again after the next large value")
}

func TestLaneCountThatRunsAheadStopsTheLane(t *testing.T) {
	c, lane, buf := laneLoop(4<<20, nil)
	p := payload(1 << 20)
	roundTrip(t, c, &Reply[[]byte]{ID: 1, N: 1, Outs: [][]byte{p}})
	laneTaken(lane).Store(5) // a peer that writes nonsense into the lane's header
	buf.Reset()
	require.NoError(t, c.Send(&Reply[[]byte]{ID: 2, N: 1, Outs: [][]byte{p}}))
	require.NoError(t, c.Flush())
	lanes, raws := laneFrames(t, buf.Bytes())
	assert.Equal(t, [2]int{0, 1}, [2]int{lanes, raws}, "the value goes on the pipe, and so will later ones")
	assert.Nil(t, c.fw.lane.data)
}

func TestLaneFramesTheReaderRefuses(t *testing.T) {
	msg := frames(&Reply[[]byte]{ID: 1, N: 1, Outs: [][]byte{nil}, Bulk: []int{0}})
	laneFrame := func(n uint32, off uint64) []byte {
		return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(laneMark[:], n), off)
	}
	for _, tc := range []struct {
		name    string
		lane    bool
		after   []byte
		want    string
		garbage bool
	}{
		{"no lane", false, laneFrame(10, 0), "a lane frame, but there is no lane", true},
		{"past its end", true, laneFrame(100, 1<<20-50), "a value of 100 bytes at offset 1048526 of a lane of 1048576", false},
		{"offset past any end", true, laneFrame(100, 1<<63), "at offset 9223372036854775808", false},
		{"over the limit", true, laneFrame(fuzzLimit+1, 0), "exceeds the size limit", false},
		{"stream ends in the offset", true, laneFrame(10, 0)[:9], "unexpected EOF", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewConn(bytes.NewReader(append(bytes.Clone(msg), tc.after...)), io.Discard, fuzzLimit)
			if tc.lane {
				c.SetLanes(nil, make([]byte, LaneHeader+1<<20), nil)
			}
			err := c.Receive(new(Reply[[]byte]))
			var re *ReadError
			require.ErrorAs(t, err, &re, "the stream cannot go on")
			assert.Contains(t, err.Error(), tc.want)
			var fe *FrameError
			assert.Equal(t, tc.garbage, errors.As(err, &fe))
		})
	}
}

func TestLaneValuesOfARefusedMessageAreCounted(t *testing.T) {
	c, lane, _ := laneLoop(4<<20, nil)
	p := payload(1 << 20)
	require.NoError(t, c.Send(&Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{p, p}, N: 2}))
	require.NoError(t, c.Send(&Request[[]byte]{Kind: Run, ID: 2, Ins: [][]byte{p}, N: 1}))
	require.NoError(t, c.Flush())
	assert.Error(t, c.Receive(new(Request[int])), "bytes do not decode as ints")
	got := new(Request[[]byte])
	require.NoError(t, c.Receive(got))
	assert.Equal(t, uint64(2), got.ID)
	assert.Equal(t, p, got.Ins[0])
	assert.EqualValues(t, 3<<20, laneTaken(lane).Load(), "the refused message's values count as taken")
}

func TestLaneLeavesEmptyValuesOut(t *testing.T) {
	l := newLaneOut(make([]byte, LaneHeader+1<<10), nil)
	off, ok := l.put(payload(100))
	require.True(t, ok)
	assert.Equal(t, 0, off)
	_, ok = l.put([]byte{})
	assert.False(t, ok, "an empty value takes no place in the lane")
	off, ok = l.put(payload(50))
	require.True(t, ok)
	assert.Equal(t, 100, off, "the next value goes after the one not taken yet")
}

// TestLaneModel sends and receives values of random sizes in random
// order through a lane smaller than what may be in it at once, so that
// values wrap, fill it and take the pipe, and some messages are refused
// whole: every value that is received must be the one sent.
func TestLaneModel(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 7))
		c, _, _ := laneLoop(1<<20, func(b []byte) { clear(b) })
		c.fw.lane.min = 1
		var queue [][]byte // sent and not yet received; nil marks a message to refuse
		for step := range 300 {
			if len(queue) < 12 && rng.IntN(2) == 0 {
				v := bytes.Repeat([]byte{byte(step)}, rng.IntN(400<<10))
				if rng.IntN(10) == 0 && len(v) > 0 {
					require.NoError(t, c.Send(&Request[[]byte]{Kind: Run, ID: uint64(step), Ins: [][]byte{v}, N: 1}))
					queue = append(queue, nil)
				} else {
					require.NoError(t, c.Send(&Reply[[]byte]{ID: uint64(step), N: 1, Outs: [][]byte{v}}))
					queue = append(queue, v)
				}
				require.NoError(t, c.Flush())
				continue
			}
			if len(queue) == 0 {
				continue
			}
			want := queue[0]
			queue = queue[1:]
			if want == nil {
				require.Error(t, c.Receive(new(Request[int])), "seed %d step %d: bytes are no ints", seed, step)
				continue
			}
			got := new(Reply[[]byte])
			require.NoError(t, c.Receive(got), "seed %d step %d", seed, step)
			if len(want) == 0 {
				require.Empty(t, got.Outs[0])
				continue
			}
			require.True(t, bytes.Equal(want, got.Outs[0]), "seed %d step %d: a value of %d bytes came back changed", seed, step, len(want))
		}
	}
}
