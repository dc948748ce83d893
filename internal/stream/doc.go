// Package stream runs an input of any length through an engine in ordered,
// bounded batches: the shared core of MapSeq (and of procpool's Map) in
// both of poolkit's engines.
//
// [Run] reads inputs into a [Batch] until it holds as many as the measured
// time per input says fit in Config.Target, hands it to the engine's
// [Dispatch], and yields outputs in input order as batches finish, never
// more than Config.Window batches ahead of the consumer. When the consumer
// stops, or its context ends, Run cancels the work in flight and waits for
// every batch it dispatched before it returns.
package stream
