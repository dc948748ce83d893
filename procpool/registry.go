package procpool

import (
	"context"
	"fmt"
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
// tasks before main runs. Register panics if name is empty, fn is nil, or
// name is already taken, naming both call sites. Inputs and outputs cross
// the process boundary with encoding/gob, so In and Out must be types gob
// can encode.
func Register[In, Out any](name string, fn pool.Func[In, Out]) *Task[In, Out] {
	site := caller()
	if fn == nil {
		panic(fmt.Sprintf("procpool: Register(%q) at %s: nil function", name, site))
	}
	t := &Task[In, Out]{name: name, fn: fn, site: site, sig: signature[In, Out]()}
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
