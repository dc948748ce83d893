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

// Inputs or outputs of a number type (bool, the sized and unsized ints
// and uints, the floats and complexes, or a type defined as one), at least
// flatMin of them, go as one raw frame of the slice's memory after the
// message, with Flat set: gob would encode them one at a time. Only a
// Conn told with SetFlat that its peer lays numbers out as it does (the
// same GOARCH) sends them so; every Conn can receive them.
const flatMin = 32

// carrier is a message whose values may travel as raw frames after it.
type carrier interface {
	// detach returns the message to encode with gob, without the values
	// that go raw, and those values' bytes: the whole slice if flat allows
	// it, else the values of at least min bytes. It leaves its receiver
	// unchanged, and returns it if no value goes raw.
	detach(min int, flat bool) (msg any, raws [][]byte)
	// attach fills in the values a decoded message says follow it raw from
	// the raw frames read returns.
	attach(read func() ([]byte, error)) error
}

func (r *Request[In]) detach(min int, flat bool) (any, [][]byte) {
	ins, at, raws, isFlat := detachVals(r.Ins, min, flat)
	if raws == nil {
		return r, nil
	}
	m := *r
	m.Ins, m.Bulk, m.Flat = ins, at, isFlat
	return &m, raws
}

func (r *Request[In]) attach(read func() ([]byte, error)) error {
	return attachVals(&r.Ins, &r.Bulk, &r.Flat, read)
}

func (r *Reply[Out]) detach(min int, flat bool) (any, [][]byte) {
	outs, at, raws, isFlat := detachVals(r.Outs, min, flat)
	if raws == nil {
		return r, nil
	}
	m := *r
	m.Outs, m.Bulk, m.Flat = outs, at, isFlat
	return &m, raws
}

func (r *Reply[Out]) attach(read func() ([]byte, error)) error {
	return attachVals(&r.Outs, &r.Bulk, &r.Flat, read)
}

// detachVals returns what a message's values become when some go raw:
// the values left for gob, the positions of those that went raw one by
// one, their bytes, and whether all went as one frame. raws is nil if none
// goes raw.
func detachVals[T any](vals []T, min int, flat bool) (rest []T, at []int, raws [][]byte, isFlat bool) {
	if b := flatBytes(vals, flat); b != nil {
		return nil, nil, [][]byte{b}, true
	}
	rest, at, raws = splitBulk(vals, min)
	return rest, at, raws, false
}

// attachVals puts the raw values that follow a decoded message in place,
// clearing its Bulk or Flat field.
func attachVals[T any](vals *[]T, bulk *[]int, isFlat *bool, read func() ([]byte, error)) error {
	if *isFlat {
		*isFlat = false
		var err error
		*vals, err = readFlat[T](read)
		return err
	}
	at := *bulk
	*bulk = nil
	return joinBulk(*vals, at, read)
}

// flatBytes returns the memory of vals if they go as one raw frame, and
// nil otherwise.
func flatBytes[T any](vals []T, flat bool) []byte {
	if !flat || len(vals) < flatMin || !isNumber[T]() {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(vals))), len(vals)*int(unsafe.Sizeof(vals[0])))
}

// readFlat reads values that came as one raw frame of their memory. The
// values share the frame's memory, which Go allocates aligned for any
// number.
func readFlat[T any](read func() ([]byte, error)) ([]T, error) {
	if !isNumber[T]() {
		var zero T
		return nil, fmt.Errorf("wire: a raw frame of %T values, which are not numbers", zero)
	}
	b, err := read()
	if err != nil {
		return nil, err
	}
	size := int(unsafe.Sizeof(*new(T)))
	if len(b)%size != 0 {
		return nil, fmt.Errorf("wire: a raw frame of %d bytes for values of %d bytes", len(b), size)
	}
	if len(b) == 0 {
		return []T{}, nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size), nil
}

var numbers sync.Map // reflect.Type → bool

// isNumber reports whether T is a number type whose values may cross as
// their memory: not one gob leaves to the type's own methods.
func isNumber[T any]() bool {
	t := reflect.TypeFor[T]()
	if v, ok := numbers.Load(t); ok {
		return v.(bool)
	}
	k := t.Kind()
	is := (k == reflect.Bool || (k >= reflect.Int && k <= reflect.Complex128 && k != reflect.Uintptr)) && !encodesItself(t)
	numbers.Store(t, is)
	return is
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
