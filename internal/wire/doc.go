// Package wire is the protocol between a procpool parent and its worker
// processes: a short text preamble, then length-prefixed frames that carry
// one gob stream in each direction.
//
// The worker speaks first. It writes the preamble ("POOLKIT <version>\n")
// and a [Hello], the parent answers with a [Setup], and the worker confirms
// with a [Ready]. After that the parent sends [Request] messages and the
// worker answers each with one or more [Reply] messages.
//
// Every frame starts with a two-byte mark and a four-byte length that may
// not exceed the connection's limit, so garbage on the pipe (a stray print,
// a program that is not a worker) is caught at once and quoted in the
// error, and a hostile or broken peer cannot make the reader allocate past
// the limit. The package knows nothing of pools or tasks.
package wire
