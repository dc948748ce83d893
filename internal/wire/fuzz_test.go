package wire

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
)

// fuzzLimit is the message limit in the fuzz targets; a reader must never
// allocate much past it whatever it reads.
const fuzzLimit = 64 << 10

// frames returns a valid stream of messages, as seeds.
func frames(msgs ...any) []byte {
	var buf bytes.Buffer
	c := NewConn(&buf, &buf, fuzzLimit)
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
			var r Reply[string]
			if c.Receive(&r) != nil {
				break
			}
		}
		_ = NewConn(bytes.NewReader(data), nil, fuzzLimit).ReadPreamble(io.Discard, fuzzLimit)
	})
}
