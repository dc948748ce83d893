// Package stream runs an input of any length through an engine in bounded
// batches: the shared core of MapSeq and MapUnordered in both of poolkit's
// engines.
//
// [Run] reads the input on a goroutine of its own (the feeder), so that
// outputs are yielded as soon as they are ready whatever the input does:
// an input that pauses, that waits for an output before it gives the next
// (a feedback loop), or that never gives another. Inputs gather in a
// [Batch] until it holds as many as the measured time per input says fit
// in Config.Target, or Target has passed since its first input, or nothing
// is running at all; then the engine's [Dispatch] runs it. Outputs are
// yielded in input order, or as batches finish with Config.Unordered.
//
// Memory is bounded: at most Config.Window batches are dispatched and not
// yet yielded, and the feeder pulls an input only while fewer than
// Config.ReadAhead inputs are pulled and not yet yielded. When the consumer
// stops, or its context ends, Run cancels the work in flight and waits for
// every batch it dispatched before it returns; the feeder pulls nothing
// more, but if it is blocked inside the input when Run returns, it ends
// when the input next yields or returns.
package stream
