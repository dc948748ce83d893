package stream

import "time"

// Batch is a run of consecutive inputs that an engine runs as one unit. The
// engine fills Outs and Errs, one entry per input, and then calls Finish.
type Batch[In, Out any] struct {
	First int   // position of Ins[0] in the whole input
	Ins   []In  // the inputs
	Outs  []Out // the outputs, len(Ins) of them
	Errs  []error

	took time.Duration
	done chan struct{} // holds a token once the batch is finished
}

// Finish marks b as done; took is how long running it took, from which the
// size of later batches is worked out. Call it exactly once per dispatch.
func (b *Batch[In, Out]) Finish(took time.Duration) {
	b.took = took
	b.done <- struct{}{}
}

// Len is the number of inputs in b.
func (b *Batch[In, Out]) Len() int { return len(b.Ins) }

// reset empties b for reuse, starting at input first.
func (b *Batch[In, Out]) reset(first int) {
	clear(b.Ins)
	clear(b.Outs)
	clear(b.Errs)
	b.First, b.Ins, b.Outs, b.Errs, b.took = first, b.Ins[:0], b.Outs[:0], b.Errs[:0], 0
}

// add appends in to b.
func (b *Batch[In, Out]) add(in In) {
	b.Ins = append(b.Ins, in)
	var zero Out
	b.Outs = append(b.Outs, zero)
	b.Errs = append(b.Errs, nil)
}
