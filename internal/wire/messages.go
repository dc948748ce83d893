package wire

// Hello is the worker's first message, after the preamble.
type Hello struct {
	PID   int      // the worker's process ID on its host
	Host  string   // the worker's host name
	Build string   // what the worker program was built from, for errors
	Tasks []string // names of the tasks the worker has
}

// Setup is the parent's answer to Hello: which task to serve, and the
// initializer to run once before the first request.
type Setup struct {
	Task       string
	Signature  string // the parent's signature of Task; the worker checks its own
	Build      string // what the parent program was built from, for errors
	Init       string // registered initializer name; empty for none
	InitArg    []byte // gob encoding of the initializer's argument
	MaxMessage int    // size limit for every later message
	Timeout    int64  // per-input timeout in nanoseconds; 0 for none

	// Limits after which the worker retires: it stops running inputs,
	// answers the rest with Retire, and waits to be replaced. 0 for none.
	RecycleAfter uint64 // inputs run
	MaxRSS       uint64 // resident set size in bytes
}

// Ready ends the handshake. Err is empty if the worker is ready to serve.
type Ready struct {
	Err string
}

// Kind says what a Request asks for.
type Kind uint8

const (
	Run    Kind = iota + 1 // run Ins, in order
	Cancel                 // cancel the request with ID
)

// Request is a message from the parent. A worker runs Run requests one at
// a time, in the order they arrive.
type Request[In any] struct {
	Kind Kind
	ID   uint64
	Ins  []In
}

// Reply carries the results of Ins[From : From+len(Outs)] of the request
// with ID. A worker may split a request's results over several replies;
// Last marks the final one.
//
// A Last reply that covers fewer than all of the request's inputs leaves
// the rest unrun: with Retire set, because the worker reached a limit and
// must be replaced; with Refused set, because the worker could not decode
// the request, for the reason Refused gives.
type Reply[Out any] struct {
	ID      uint64
	From    int
	Outs    []Out
	Fails   []Failure // the inputs among those that failed
	Last    bool
	Took    int64  // nanoseconds spent running these inputs
	RSS     uint64 // the worker's resident set size in bytes, when measured; 0 otherwise
	Retire  bool
	Refused string
}

// FailureKind classifies a failed input.
type FailureKind uint8

const (
	Error            FailureKind = iota + 1 // the task returned an error
	Canceled                                // ... that is context.Canceled
	DeadlineExceeded                        // ... that is context.DeadlineExceeded
	Panic                                   // the task panicked
	Goexit                                  // the task called runtime.Goexit
	Undeliverable                           // the output could not be encoded
)

// Failure is one failed input of a Reply.
type Failure struct {
	Index   int // position in the request's Ins
	Kind    FailureKind
	Message string
	Stack   string // for panics
}
