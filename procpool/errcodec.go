package procpool

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"reflect"
	"sync"

	"github.com/poolkit/poolkit/internal/wire"
	"github.com/poolkit/poolkit/pool"
)

// RegisterError lets err, and errors of its type, cross between worker
// and parent with their identity: a task's error that is err, or wraps it
// (with %w or errors.Join), arrives as err itself, so errors.Is finds it;
// and if err's type carries its content in exported fields (or
// GobEncode), any error of that type arrives as a value of that type, so
// errors.As finds it with its fields. It returns err, so a sentinel can be
// declared and registered at once:
//
//	var ErrBadSeed = procpool.RegisterError(errors.New("bad seed"))
//	var _ = procpool.RegisterError(&SeedError{}) // the type *SeedError
//
// Like [Register], RegisterError must be called while the program
// initialises, in a package-level var, so every process of the program has
// the same registry. Errors that are not registered still cross, with their
// message and the registered errors they wrap; context.Canceled and
// context.DeadlineExceeded are always registered. RegisterError panics if
// err is nil or if it is called after initialisation.
func RegisterError(err error) error {
	site := caller()
	if err == nil {
		panic(fmt.Sprintf("procpool: RegisterError at %s: nil error", site))
	}
	checkInitialising("RegisterError", site)
	errRegistry.add(err, site)
	return err
}

// errRegistry holds the registered errors.
var errRegistry = newErrorRegistry()

// errorRegistry maps registered sentinels and types to names that are the
// same in every process of one build: where they were registered.
type errorRegistry struct {
	mu        sync.Mutex
	sentinels map[error]string // comparable sentinels only
	byName    map[string]error
	types     map[reflect.Type]string
	typeNames map[string]reflect.Type
	atSite    map[string]int
}

func newErrorRegistry() *errorRegistry {
	r := &errorRegistry{
		sentinels: map[error]string{}, byName: map[string]error{},
		types: map[reflect.Type]string{}, typeNames: map[string]reflect.Type{},
		atSite: map[string]int{},
	}
	r.sentinel(context.Canceled, "context.Canceled")
	r.sentinel(context.DeadlineExceeded, "context.DeadlineExceeded")
	r.sentinel(pool.ErrGoexit, "pool.ErrGoexit")
	r.sentinel(pool.ErrClosed, "pool.ErrClosed")
	r.sentinel(pool.ErrShutdownCancel, "pool.ErrShutdownCancel")
	return r
}

func (r *errorRegistry) add(err error, site string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := fmt.Sprintf("%s#%d", site, r.atSite[site])
	r.atSite[site]++
	if reflect.TypeOf(err).Comparable() {
		if _, ok := r.sentinels[err]; !ok {
			r.sentinel(err, name)
		}
	}
	t := reflect.TypeOf(err)
	if _, ok := r.types[t]; !ok && carriesContent(t) {
		tname := t.String()
		if t.PkgPath() == "" && t.Kind() == reflect.Pointer {
			tname = "*" + t.Elem().PkgPath() + "." + t.Elem().Name()
		} else if t.PkgPath() != "" {
			tname = t.PkgPath() + "." + t.Name()
		}
		r.types[t], r.typeNames[tname] = tname, t
	}
}

// sentinel registers err under name. r.mu must be held, or r unshared.
func (r *errorRegistry) sentinel(err error, name string) {
	r.sentinels[err], r.byName[name] = name, err
}

// carriesContent reports whether values of t have content gob can carry:
// exported fields, or their own encoding. A type without, such as the one
// errors.New returns, is matched by identity only.
func carriesContent(t reflect.Type) bool {
	if t.Implements(gobEncoderType) || reflect.PointerTo(t).Implements(gobEncoderType) {
		return true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return t.Kind() != reflect.Interface && t.Kind() != reflect.Func && t.Kind() != reflect.Chan
	}
	for i := range t.NumField() {
		if t.Field(i).IsExported() {
			return true
		}
	}
	return false
}

var gobEncoderType = reflect.TypeFor[gob.GobEncoder]()

// maxErrorNodes bounds the errors of one tree that cross, against a
// cyclic or enormous chain.
const maxErrorNodes = 64

// encodeError describes err for the trip to the other process.
func encodeError(err error) *wire.Error {
	budget := maxErrorNodes
	return errRegistry.encode(err, &budget)
}

func (r *errorRegistry) encode(err error, budget *int) *wire.Error {
	*budget--
	e := &wire.Error{Text: err.Error()}
	r.mu.Lock()
	name, isSentinel := "", false
	if reflect.TypeOf(err).Comparable() {
		name, isSentinel = r.sentinels[err]
	}
	typeName, isType := r.types[reflect.TypeOf(err)]
	r.mu.Unlock()
	if isSentinel {
		e.Name = name
		return e
	}
	if isType {
		if b, encErr := encodeConcrete(err); encErr == nil {
			e.Name, e.Value = typeName, b
			return e
		}
	}
	var wrapped []error
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if w := u.Unwrap(); w != nil {
			wrapped = []error{w}
		}
	case interface{ Unwrap() []error }:
		wrapped, e.Multi = u.Unwrap(), true
	}
	for _, w := range wrapped {
		if w == nil || *budget <= 0 {
			continue
		}
		e.Wrapped = append(e.Wrapped, r.encode(w, budget))
	}
	return e
}

// encodeConcrete gob-encodes v as its own type, so that its type need not
// be registered with gob.
func encodeConcrete(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := guardEncode(v, func() error { return gob.NewEncoder(&buf).EncodeValue(reflect.ValueOf(v)) })
	return buf.Bytes(), err
}

// encodeInterface gob-encodes v as an interface value, which gob can
// decode without knowing its type in advance if the type is a basic one or
// was registered with gob.Register.
func encodeInterface(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := guardEncode(v, func() error { return gob.NewEncoder(&buf).Encode(&v) })
	return buf.Bytes(), err
}

// guardEncode runs encode on v unless v holds a cycle, which gob would
// follow until the stack overflows, turning a panic of a GobEncode method
// into an error.
func guardEncode(v any, encode func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("encoding panicked: %v", r)
		}
	}()
	if err := checkAcyclic(reflect.ValueOf(v)); err != nil {
		return err
	}
	return encode()
}

// decodeError rebuilds an error that crossed from the other process.
func decodeError(e *wire.Error) error {
	if e == nil {
		return nil
	}
	return errRegistry.decode(e)
}

func (r *errorRegistry) decode(e *wire.Error) error {
	r.mu.Lock()
	sentinel, isSentinel := r.byName[e.Name]
	t, isType := r.typeNames[e.Name]
	r.mu.Unlock()
	switch {
	case isSentinel:
		return sentinel
	case isType && e.Value != nil:
		if err := decodeTyped(t, e.Value); err != nil {
			return err
		}
	}
	re := &RemoteError{Message: e.Text, multi: e.Multi}
	for _, w := range e.Wrapped {
		re.wrapped = append(re.wrapped, r.decode(w))
	}
	return re
}

// decodeTyped decodes a registered error type's value, or returns nil if
// it cannot.
func decodeTyped(t reflect.Type, b []byte) (err error) {
	defer func() {
		if recover() != nil {
			err = nil
		}
	}()
	p := reflect.New(t)
	if gob.NewDecoder(bytes.NewReader(b)).DecodeValue(p) != nil {
		return nil
	}
	err, _ = p.Elem().Interface().(error)
	return err
}

// RemoteError is an error from a worker process that was not registered
// with [RegisterError]: it has the worker's message, and unwraps to the
// errors it wrapped in the worker, rebuilt the same way, so errors.Is and
// errors.As find the registered ones among them.
type RemoteError struct {
	Message string
	wrapped []error
	multi   bool
}

// Error returns the worker's message.
func (e *RemoteError) Error() string { return e.Message }

// Unwrap returns the errors the worker's error wrapped.
func (e *RemoteError) Unwrap() []error { return e.wrapped }

// panicFailure describes a panic value for the trip to the parent: an
// error as an error, anything else gob can encode as an interface as its
// encoding, and its text in every case.
func panicFailure(v any) (f wire.Failure) {
	f.Kind, f.Message = wire.Panic, fmt.Sprint(v)
	if err, ok := v.(error); ok {
		f.Err = encodeError(err)
		return f
	}
	if b, err := encodeInterface(v); err == nil {
		f.Value = b
	}
	return f
}

// panicValue rebuilds a panic value from f.
func panicValue(f *wire.Failure) any {
	if f.Err != nil {
		return decodeError(f.Err)
	}
	if f.Value != nil {
		var v any
		if decodeAny(f.Value, &v) == nil {
			return v
		}
	}
	return f.Message
}

// decodeAny decodes b into v, turning a panic into an error.
func decodeAny(b []byte, v *any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoding panicked: %v", r)
		}
	}()
	return gob.NewDecoder(bytes.NewReader(b)).Decode(v)
}
