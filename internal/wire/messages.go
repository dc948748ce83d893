package wire

// Hello is the worker's first message, after the preamble.
type Hello struct {
	PID     int      // the worker's process ID on its host
	Host    string   // the worker's host name
	Build   string   // what the worker program was built from, for errors
	BuildID string   // the Go build ID of the worker's executable, if known
	Tasks   []string // names of the tasks the worker has
	Test    bool     // the worker is a test binary
	RSS     uint64   // the worker's resident set size in bytes; 0 if unknown
	Arch    string   // the worker's GOARCH: numbers cross as their memory between processes of one
}

// Setup is the parent's answer to Hello: which task to serve, and the
// initializer to run once before the first request. A Setup without a Task
// starts a worker of a set, which serves the task each Bind names.
type Setup struct {
	Task       string
	Signature  string  // the parent's signature of Task; the worker checks its own
	Build      string  // what the parent program was built from, for errors
	Init       string  // registered initializer name; empty for none
	InitArg    []byte  // gob encoding of the initializer's argument
	MaxMessage int     // size limit for every message after the handshake
	Timeout    int64   // per-input timeout in nanoseconds; 0 for none
	Heartbeat  int64   // how often the worker must send a Beat, in nanoseconds; 0 for never
	ReportEach bool    // send each input's result before running the next
	MaxProcs   int     // GOMAXPROCS for the worker; 0 to keep its own
	SameClock  bool    // the worker shares the parent's clock: Deadline is exact
	Flat       bool    // the worker may send numbers as their memory: the parent has its GOARCH
	Lanes      *Region // memory for lanes (see SetLanes) the worker may map, on the parent's machine: the parent's lane first

	// Limits after which the worker retires: it stops running inputs,
	// answers the rest with Retire, and waits to be replaced. 0 for none.
	RecycleAfter uint64 // inputs run
	MaxRSS       uint64 // resident set size in bytes
}

// Bind tells a worker of a set which task to serve next, and how; the
// worker answers with a Ready. It serves the task until an Unbind request,
// answered with a Reply marked Unbound, and then waits for the next Bind.
// A Bind with Exit set asks an unbound worker to exit.
type Bind struct {
	Task       string
	Signature  string
	Timeout    int64 // per-input timeout in nanoseconds; 0 for none
	ReportEach bool  // send each input's result before running the next
	Exit       bool
}

// Ready ends the handshake. Err is empty if the worker is ready to serve.
// While its initializer runs, a worker sends a Ready with Waiting set
// every heartbeat, to show it is alive; the last Ready has it unset.
type Ready struct {
	Err     string
	Waiting bool
	RSS     uint64 // the worker's resident set size in bytes, once ready
	Lanes   bool   // the worker mapped the lanes of Setup, and reads and writes them
}

// Region locates memory, or a file, that a process opens through another
// process's descriptor of it (on Linux, in /proc) or by its path, with the
// file's identity to check that it is the one meant.
type Region struct {
	Host     string
	PID      int
	FD       int
	Path     string
	Dev, Ino uint64
	Size     int64
	Token    string // what the file holds to prove it is the one meant, if anything
}

// Kind says what a Request asks for.
type Kind uint8

const (
	Run    Kind = iota + 1 // run Ins, in order
	Cancel                 // cancel the request with ID, with Cause
	Trim                   // run no more inputs of the request with ID than have started
	Exit                   // exit now: the parent reaps the worker and what it started
	Unbind                 // stop serving this task, which runs nothing now, and wait for a Bind
)

// Request is a message from the parent. A worker runs Run requests one at
// a time, in the order they arrive.
//
// Ins holds the inputs except those listed in Nils, the positions of nil
// inputs, which gob cannot carry in a slice. Deadline is the caller's
// deadline in Unix nanoseconds (0 for none) when the worker shares the
// parent's clock; Budget is the time that was left until it, in
// nanoseconds, for a worker that does not.
type Request[In any] struct {
	Kind     Kind
	ID       uint64
	Ins      []In
	Nils     []int
	N        int // how many inputs, Nils included
	Deadline int64
	Budget   int64
	Cause    *Error // for Cancel: why; nil for context.Canceled
	Bulk     []int  // positions in Ins of the values sent raw after the message; set and cleared by Conn
	Flat     bool   // Ins were sent as one raw frame of their memory after the message; set and cleared by Conn
}

// Reply carries the results of inputs From to From+N-1 of the request
// with ID. A worker may split a request's results over several replies;
// Last marks the final one. Outs holds, in order, the outputs of the
// inputs that succeeded with a non-nil output; Nils lists those that
// succeeded with a nil one and Fails those that failed, by position in
// the request.
//
// A Last reply that covers fewer than all of the request's inputs leaves
// the rest unrun: with Retire set, because the worker reached a limit and
// must be replaced; with Refused set, because the worker could not decode
// the request, for the reason Refused gives.
//
// A Reply with ID 0 carries no results: it is a heartbeat, and may report
// RSS.
type Reply[Out any] struct {
	ID      uint64
	From    int
	N       int
	Outs    []Out
	Nils    []int
	Fails   []Failure
	Last    bool
	Took    int64  // nanoseconds spent running these inputs
	RSS     uint64 // the worker's resident set size in bytes, when measured; 0 otherwise
	Retire  bool
	Refused string
	Unbound bool  // the answer to Unbind: the worker serves no task now
	Bulk    []int // positions in Outs of the values sent raw after the message; set and cleared by Conn
	Flat    bool  // Outs were sent as one raw frame of their memory after the message; set and cleared by Conn
}

// FailureKind classifies a failed input.
type FailureKind uint8

const (
	Failed        FailureKind = iota + 1 // the task returned Err
	Panic                                // the task panicked: Err if the value was an error, else Value and Message
	Goexit                               // the task called runtime.Goexit
	Undeliverable                        // the output could not be sent: Message says why
)

// Failure is one failed input of a Reply.
type Failure struct {
	Index   int // position in the request's inputs
	Kind    FailureKind
	Err     *Error // the error, for Failed and a panic with an error value
	Value   []byte // a panic value that gob could encode as an interface
	Message string // a panic value's text, or why an output was undeliverable
	Stack   string // for panics
}

// Error is an error as it crosses the pipe: its message, what it wraps,
// and, for errors both sides registered, how to rebuild it.
type Error struct {
	Text    string
	Name    string   // the registered sentinel or type it is; "" for none
	Value   []byte   // for a registered type: the gob encoding of the value
	Wrapped []*Error // what its Unwrap returns, in order
	Multi   bool     // Unwrap returns []error rather than error
}
