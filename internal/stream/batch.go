package stream

import "time"

// Batch is a run of consecutive inputs that an engine runs as one unit. The
// engine fills Outs and Errs, one entry per input, and then calls Finish.
type Batch[In, Out any] struct {
	First int   // position of Ins[0] in the whole input
	Ins   []In  // the inputs
	Outs  []Out // the outputs, len(Ins) of them
	Errs  []error

	took     time.Duration
	finished chan<- *Batch[In, Out] // where Finish reports
	done     bool                   // Finish was called; the consumer's to read
}

// Finish marks b as done; took is how long running it took, from which the
// size of later batches is worked out. Call it exactly once per dispatch.
func (b *Batch[In, Out]) Finish(took time.Duration) {
	b.took = took
	b.finished <- b
}

// Len is the number of inputs in b.
func (b *Batch[In, Out]) Len() int { return len(b.Ins) }

// clear drops what b holds once it is yielded, so that nothing is kept
// alive past the batch it came in.
func (b *Batch[In, Out]) clear() {
	clear(b.Ins)
	clear(b.Outs)
	clear(b.Errs)
}
