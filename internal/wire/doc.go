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
// the limit.
//
// # Large values
//
// An input of a [Request] or an output of a [Reply] that is a []byte or a
// string (or a type defined as one, unless it encodes itself) of 8 KiB or
// more does not go through gob, which would copy it into a buffer to
// encode it and out of one to decode it. The message carries its zero
// value and lists its position in Bulk; the value follows the message in
// a raw frame of its own, written to the pipe from the sender's memory and
// read straight into the slice the receiver keeps. A message and its raw
// frames count together against the limit.
//
// Between processes of one machine, a Conn may also have lanes (see
// [Conn.SetLanes]): memory both map, one lane for each direction. A raw
// value of 64 KiB or more is then copied into the sender's lane, and only
// a lane frame, the value's length and offset, crosses the pipe; the
// receiver copies the value out and counts what it took in the lane's
// header, which tells the sender what it may overwrite. A value that does
// not fit goes as a raw frame, so a lane is never waited for.
//
// A raw value of 64 KiB or more is received into the memory of one the
// program dropped, of about its size, if the garbage collector has found
// one since the last collection (see recycle.go): the receiver neither
// allocates afresh nor lets the runtime give the pages back and fault new
// ones in for each value.
//
// The package knows nothing of pools or tasks.
package wire
