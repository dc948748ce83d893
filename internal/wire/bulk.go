package wire

import (
	"encoding"
	"encoding/gob"
	"fmt"
	"reflect"
	"sync"
	"unsafe"
)

// A Request's inputs and a Reply's outputs of a []byte or string type (or
// a type defined as one) that are at least bulkMin bytes long do not go
// through gob: gob would copy each into its buffer to encode it, and out
// of its buffer to decode it. They go as raw frames after the message, in
// the order of the positions the message's Bulk field lists, written to
// the pipe from the caller's memory and read into the slice the receiver
// keeps. Their zero value stands in for them in the gob message. The
// message and its raw frames together are bounded by the size limit.
const bulkMin = 8 << 10

// carrier is a message whose values may travel as raw frames after it.
type carrier interface {
	// detach returns the message to encode with gob, without the values of
	// at least min bytes, and those values' bytes. It leaves its receiver
	// unchanged, and returns it if no value is that large.
	detach(min int) (msg any, raws [][]byte)
	// attach fills in the values listed in the Bulk field of a decoded
	// message from the raw frames read returns.
	attach(read func() ([]byte, error)) error
}

func (r *Request[In]) detach(min int) (any, [][]byte) {
	ins, at, raws := splitBulk(r.Ins, min)
	if raws == nil {
		return r, nil
	}
	m := *r
	m.Ins, m.Bulk = ins, at
	return &m, raws
}

func (r *Request[In]) attach(read func() ([]byte, error)) error {
	at := r.Bulk
	r.Bulk = nil
	return joinBulk(r.Ins, at, read)
}

func (r *Reply[Out]) detach(min int) (any, [][]byte) {
	outs, at, raws := splitBulk(r.Outs, min)
	if raws == nil {
		return r, nil
	}
	m := *r
	m.Outs, m.Bulk = outs, at
	return &m, raws
}

func (r *Reply[Out]) attach(read func() ([]byte, error)) error {
	at := r.Bulk
	r.Bulk = nil
	return joinBulk(r.Outs, at, read)
}

// splitBulk returns a copy of vals with its values of at least min bytes
// (and not empty, which gob turns into nil) replaced by the zero value, their positions, and their bytes. If there
// are none it returns vals and nil.
func splitBulk[T any](vals []T, min int) (rest []T, at []int, raws [][]byte) {
	s := shapeOf[T]()
	if s == notBulk {
		return vals, nil, nil
	}
	for i := range vals {
		if b := s.bytes(unsafe.Pointer(&vals[i])); len(b) >= min && len(b) > 0 {
			at, raws = append(at, i), append(raws, b)
		}
	}
	if raws == nil {
		return vals, nil, nil
	}
	rest = append([]T(nil), vals...)
	var zero T
	for _, i := range at {
		rest[i] = zero
	}
	return rest, at, raws
}

// joinBulk sets the values of vals at the positions at, which must rise,
// to the raw frames read returns, in order.
func joinBulk[T any](vals []T, at []int, read func() ([]byte, error)) error {
	if len(at) == 0 {
		return nil
	}
	s := shapeOf[T]()
	if s == notBulk {
		return fmt.Errorf("wire: raw values for %T, which is not a []byte or a string", vals)
	}
	for k, i := range at {
		if i < 0 || i >= len(vals) || (k > 0 && i <= at[k-1]) {
			return fmt.Errorf("wire: raw value positions %v do not fit %d values", at, len(vals))
		}
	}
	for _, i := range at {
		b, err := read()
		if err != nil {
			return err
		}
		s.set(unsafe.Pointer(&vals[i]), b)
	}
	return nil
}

// shape says how a type's values can be carried raw.
type shape uint8

const (
	notBulk   shape = iota
	bulkBytes       // a slice of bytes
	bulkText        // a string
)

// bytes returns the bytes of the value at p, without copying them.
func (s shape) bytes(p unsafe.Pointer) []byte {
	if s == bulkText {
		str := *(*string)(p)
		return unsafe.Slice(unsafe.StringData(str), len(str)) // only ever read
	}
	return *(*[]byte)(p)
}

// set sets the value at p to b, which it keeps and the caller must not
// change.
func (s shape) set(p unsafe.Pointer, b []byte) {
	if s == bulkText {
		*(*string)(p) = unsafe.String(unsafe.SliceData(b), len(b))
		return
	}
	*(*[]byte)(p) = b
}

var shapes sync.Map // reflect.Type → shape

// shapeOf returns how values of T can be carried raw. A type whose values
// gob encodes with its own methods is not carried raw: what they do is the
// type's business.
func shapeOf[T any]() shape {
	switch any((*T)(nil)).(type) {
	case *[]byte:
		return bulkBytes
	case *string:
		return bulkText
	}
	t := reflect.TypeFor[T]()
	if s, ok := shapes.Load(t); ok {
		return s.(shape)
	}
	s := notBulk
	switch {
	case encodesItself(t):
	case t.Kind() == reflect.String:
		s = bulkText
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && !encodesItself(t.Elem()):
		s = bulkBytes
	}
	shapes.Store(t, s)
	return s
}

// encodesItself reports whether gob leaves the encoding or decoding of t
// to t's methods.
func encodesItself(t reflect.Type) bool {
	for _, m := range []reflect.Type{
		reflect.TypeFor[gob.GobEncoder](), reflect.TypeFor[gob.GobDecoder](),
		reflect.TypeFor[encoding.BinaryMarshaler](), reflect.TypeFor[encoding.BinaryUnmarshaler](),
		reflect.TypeFor[encoding.TextMarshaler](), reflect.TypeFor[encoding.TextUnmarshaler](),
	} {
		if reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}
