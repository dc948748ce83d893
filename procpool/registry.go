package procpool

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/poolkit/poolkit/pool"
)

// Task is a registered task: a [pool.Func] that a worker process can run by
// name. Create it with [Register] in a package-level var, so the worker,
// which is the same program started again, has it before main runs.
type Task[In, Out any] struct {
	name string
	fn   pool.Func[In, Out]
	site string // where Register was called
	sig  string

	inCycles, outCycles bool // values of In, Out must be checked for cycles
	inNils, outNils     bool // In, Out are pointers: nil values go apart
}

// Name returns the name the task was registered under.
func (t *Task[In, Out]) Name() string { return t.name }

// entry is what the registry holds: a task or an initializer.
type entry interface {
	registeredAt() string
}

func (t *Task[In, Out]) registeredAt() string { return t.site }

var registry struct {
	sync.Mutex
	entries map[string]entry
}

// Register registers fn under name and returns the task to pass to [New].
// Call it in a package-level var declaration:
//
//	var resizeTask = procpool.Register("resize", resize)
//
// so that every process started from the same program registers the same
// tasks before main runs; a call from a function, or after main has
// started, panics and says so, since worker processes would not have the
// task.
//
// Inputs and outputs cross the process boundary with encoding/gob: a
// worker gets a copy of its input and the caller a copy of its output.
// Exported fields cross and unexported ones arrive zero, as with
// encoding/json; nil pointers cross as nil. Register panics, naming the
// field, if In or Out holds something gob cannot carry at all (a channel,
// a function, a struct with no exported fields). It also panics if name is
// empty, fn is nil, or name is already taken, naming both call sites.
func Register[In, Out any](name string, fn pool.Func[In, Out]) *Task[In, Out] {
	site := caller()
	if fn == nil {
		panic(fmt.Sprintf("procpool: Register(%q) at %s: nil function", name, site))
	}
	in, out := reflect.TypeFor[In](), reflect.TypeFor[Out]()
	for _, c := range []struct {
		what string
		t    reflect.Type
	}{{"input", in}, {"output", out}} {
		if err := checkCarriable(c.t); err != nil {
			panic(fmt.Sprintf("procpool: Register(%q) at %s: the %s type cannot cross to a worker process: %v", name, site, c.what, err))
		}
	}
	t := &Task[In, Out]{name: name, fn: fn, site: site, sig: signature[In, Out](),
		inCycles: mayCycle(in), outCycles: mayCycle(out),
		inNils: in.Kind() == reflect.Pointer, outNils: out.Kind() == reflect.Pointer}
	add(name, t, "Register")
	return t
}

// Initializer is a registered function that runs once in each worker
// before its first task, like the initializer of Python's
// ProcessPoolExecutor. Create it with [RegisterInit] and pass it to [Init].
type Initializer[A any] struct {
	name string
	fn   func(ctx context.Context, arg A) error
	site string
}

func (i *Initializer[A]) registeredAt() string { return i.site }

// RegisterInit registers fn as a worker initializer under name, which
// shares the namespace of [Register]. Call it in a package-level var
// declaration. It panics like Register.
func RegisterInit[A any](name string, fn func(ctx context.Context, arg A) error) *Initializer[A] {
	site := caller()
	if fn == nil {
		panic(fmt.Sprintf("procpool: RegisterInit(%q) at %s: nil function", name, site))
	}
	if err := checkCarriable(reflect.TypeFor[A]()); err != nil {
		panic(fmt.Sprintf("procpool: RegisterInit(%q) at %s: the argument type cannot cross to a worker process: %v", name, site, err))
	}
	i := &Initializer[A]{name: name, fn: fn, site: site}
	add(name, i, "RegisterInit")
	return i
}

// add puts e in the registry under name.
func add(name string, e entry, verb string) {
	if name == "" {
		panic(fmt.Sprintf("procpool: %s at %s: empty name", verb, e.registeredAt()))
	}
	registry.Lock()
	defer registry.Unlock()
	if prev, ok := registry.entries[name]; ok {
		panic(fmt.Sprintf("procpool: %s(%q) at %s: name already registered at %s", verb, name, e.registeredAt(), prev.registeredAt()))
	}
	checkInitialising(fmt.Sprintf("%s(%q)", verb, name), e.registeredAt())
	if registry.entries == nil {
		registry.entries = make(map[string]entry)
	}
	registry.entries[name] = e
}

// lookup returns the entry registered under name.
func lookup(name string) (entry, bool) {
	registry.Lock()
	defer registry.Unlock()
	e, ok := registry.entries[name]
	return e, ok
}

// names returns the registered names, sorted.
func names() []string {
	registry.Lock()
	defer registry.Unlock()
	ns := make([]string, 0, len(registry.entries))
	for n := range registry.entries {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// checkInitialising panics unless the program is initialising its
// packages: registrations made later, from main or a function it calls,
// exist in this process only, not in the worker processes, which start
// again from the beginning and serve before main runs.
func checkInitialising(what, site string) {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		if isInitFunction(f.Function) {
			return
		}
		if !more {
			break
		}
	}
	panic(fmt.Sprintf("procpool: %s at %s: called after the program started; "+
		"call it in a package-level var declaration (var task = procpool.Register(...)) "+
		"or an init function, so that worker processes, which start the program again, have it too", what, site))
}

// isInitFunction reports whether fn, a function name as the runtime gives
// it, is a package's initialisation: the code of its package-level vars
// ("pkg.init") or one of its init functions ("pkg.init.0").
func isInitFunction(fn string) bool {
	i := strings.LastIndex(fn, ".init")
	if i < 0 {
		return false
	}
	rest := fn[i+len(".init"):]
	if rest == "" {
		return true
	}
	if rest[0] != '.' || len(rest) == 1 {
		return false
	}
	for _, c := range rest[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// caller returns the file:line of the caller of the registering function.
func caller() string {
	_, file, line, ok := runtime.Caller(2)
	if !ok {
		return "an unknown place"
	}
	if i := strings.LastIndex(file, "/"); i >= 0 {
		if j := strings.LastIndex(file[:i], "/"); j >= 0 {
			file = file[j+1:]
		}
	}
	return fmt.Sprintf("%s:%d", file, line)
}
