package wire

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"reflect"
	"testing"
)

// fuzzLimit is the message limit in the fuzz targets; a reader must never
// allocate much past it whatever it reads.
const fuzzLimit = 64 << 10

// frames returns a valid stream of messages, as seeds.
func frames(msgs ...any) []byte {
	return framesRaw(bulkMin, msgs...)
}

// framesRaw is frames with values of min bytes or more sent raw.
func framesRaw(min int, msgs ...any) []byte {
	return framesWith(func(c *Conn) { c.bulkMin = min }, msgs...)
}

// framesFlat is frames with slices of numbers sent as their memory.
func framesFlat(msgs ...any) []byte {
	return framesWith(func(c *Conn) { c.SetFlat(true) }, msgs...)
}

// framesWith is frames from a Conn that set has set up.
func framesWith(set func(*Conn), msgs ...any) []byte {
	var buf bytes.Buffer
	c := NewConn(&buf, &buf, fuzzLimit)
	set(c)
	for _, m := range msgs {
		if err := c.Send(m); err != nil {
			panic(err)
		}
	}
	if err := c.Flush(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// FuzzReceive feeds arbitrary bytes to the decoder the parent and the
// worker use: it must return an error or a message, never panic, hang, or
// allocate past the limit.
func FuzzReceive(f *testing.F) {
	f.Add(frames(&Request[int]{Kind: Run, ID: 1, Ins: []int{1, 2, 3}}, &Request[int]{Kind: Cancel, ID: 1}))
	f.Add(frames(&Reply[string]{ID: 9, N: 3, Outs: []string{"a"}, Nils: []int{2}, Fails: []Failure{{Index: 1, Kind: Panic, Message: "x",
		Err: &Error{Text: "e", Wrapped: []*Error{{Text: "w", Name: "n"}}}}}, Last: true}))
	f.Add(frames(&Hello{PID: 1, Host: "h", Tasks: []string{"t"}}))
	f.Add([]byte("POOLKIT 2\n"))
	f.Add([]byte{mark[0], mark[1], 0, 0, 0, 5, 0xfc, 0x7f, 0xff, 0xff, 0xff})
	huge := binary.BigEndian.AppendUint32([]byte{mark[0], mark[1]}, 0xffffffff)
	f.Add(huge)
	f.Add(framesRaw(2, &Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{[]byte("abc"), nil, []byte("de")}, N: 3},
		&Reply[string]{ID: 1, N: 2, Outs: []string{"xyz", "q"}, Last: true}, &Request[int]{Kind: Cancel, ID: 1}))
	f.Add(append(frames(&Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{nil}, N: 1, Bulk: []int{0}}),
		binary.BigEndian.AppendUint32(rawMark[:], 0xffffffff)...))
	f.Add(framesFlat(&Request[int]{Kind: Run, ID: 1, Ins: make([]int, 2*flatMin), N: 2 * flatMin},
		&Reply[string]{ID: 1, N: 1, Outs: []string{"x"}, Last: true}, &Request[int]{Kind: Cancel, ID: 1}))
	f.Add(append(frames(&Request[[]byte]{Kind: Run, ID: 1, N: 1, Flat: true}), rawFrame([]byte("abc"))...))
	f.Add(framesWith(func(c *Conn) { // values in a lane, which the reader has too
		lane := make([]byte, LaneHeader+fuzzLimit)
		c.SetLanes(lane, nil, nil)
		c.fw.lane.min = 2
	}, &Request[[]byte]{Kind: Run, ID: 1, Ins: [][]byte{[]byte("abc"), nil, []byte("de")}, N: 3},
		&Reply[string]{ID: 1, N: 2, Outs: []string{"xyz", "q"}, Last: true}, &Request[int]{Kind: Cancel, ID: 1}))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewConn(bytes.NewReader(data), nil, fuzzLimit)
		for range 64 {
			var r Request[int]
			if c.Receive(&r) != nil {
				break
			}
		}
		c = NewConn(bytes.NewReader(data), nil, fuzzLimit)
		for range 64 {
			var r Request[[]byte]
			if c.Receive(&r) != nil {
				break
			}
		}
		c = NewConn(bytes.NewReader(data), nil, fuzzLimit)
		for range 64 {
			var r Reply[string]
			if c.Receive(&r) != nil {
				break
			}
		}
		c = NewConn(bytes.NewReader(data), nil, fuzzLimit)
		c.SetLanes(nil, make([]byte, LaneHeader+fuzzLimit), nil)
		for range 64 {
			var r Reply[[]byte]
			if c.Receive(&r) != nil {
				break
			}
		}
		_ = NewConn(bytes.NewReader(data), nil, fuzzLimit).ReadPreamble(io.Discard, fuzzLimit)
	})
}

// FuzzBulkRoundTrip sends byte and string values of any size, split from
// data at cut, through a Conn that sends values of min bytes or more raw:
// they must arrive as gob alone would bring them.
func FuzzBulkRoundTrip(f *testing.F) {
	f.Add([]byte("hello, world"), uint16(5), uint8(3))
	f.Add([]byte{}, uint16(0), uint8(0))
	f.Add(bytes.Repeat([]byte{0xB7, 0x0D}, 300), uint16(17), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, minRaw uint8) {
		k := min(int(cut), len(data))
		ins := [][]byte{data[:k], nil, data[k:], {}}
		msgs := []any{
			&Request[[]byte]{Kind: Run, ID: 1, Ins: ins, N: len(ins)},
			&Reply[string]{ID: 2, N: 2, Outs: []string{string(data[k:]), string(data[:k])}},
		}
		want := receiveAll(t, func(c *Conn) { c.bulkMin = math.MaxInt }, msgs)
		got := receiveAll(t, func(c *Conn) { c.bulkMin = int(minRaw) }, msgs)
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("raw frames changed the values: sent %v, gob brings %v, raw brings %v", msgs, want, got)
		}
		got = receiveAll(t, func(c *Conn) { // a lane that holds some of them, and is full for others
			c.bulkMin = int(minRaw)
			lane := make([]byte, LaneHeader+int(cut)%1024)
			c.SetLanes(lane, lane, nil)
			c.fw.lane.min = int(minRaw)
		}, msgs)
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("a lane changed the values: sent %v, gob brings %v, the lane brings %v", msgs, want, got)
		}
	})
}

// FuzzFlatRoundTrip sends numbers made from data through a Conn that
// sends slices of numbers as their memory: they must arrive as gob alone
// would bring them.
func FuzzFlatRoundTrip(f *testing.F) {
	f.Add(bytes.Repeat([]byte{1, 0x80, 0xff, 7}, 100))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		shorts := make([]int16, len(data)/2)
		for i := range shorts {
			shorts[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		longs := make([]uint64, len(data)/8)
		for i := range longs {
			longs[i] = binary.BigEndian.Uint64(data[8*i:])
		}
		msgs := []any{
			&Request[int16]{Kind: Run, ID: 1, Ins: shorts, N: len(shorts)},
			&Reply[uint64]{ID: 2, N: len(longs), Outs: longs, Last: true},
		}
		want := receiveAll(t, func(*Conn) {}, msgs)
		got := receiveAll(t, func(c *Conn) { c.SetFlat(true) }, msgs)
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("flat frames changed the values: sent %v, gob brings %v, flat brings %v", msgs, want, got)
		}
	})
}

// receiveAll sends msgs through a looped Conn that set has set up, and
// returns what it receives.
func receiveAll(t *testing.T, set func(*Conn), msgs []any) []any {
	var buf bytes.Buffer
	c := NewConn(&buf, &buf, fuzzLimit)
	set(c)
	var got []any
	for _, m := range msgs {
		if err := c.Send(m); err != nil {
			t.Fatal(err)
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		v := reflect.New(reflect.TypeOf(m).Elem())
		if err := c.Receive(v.Interface()); err != nil {
			t.Fatal(err)
		}
		got = append(got, v.Interface())
	}
	return got
}
