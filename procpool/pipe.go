package procpool

import "os"

// Pipe sizes: the kernel's default capacity, and what a pipe that carries
// large messages is grown to (Linux lets any user grow a pipe to 1 MiB).
const (
	pipeDefault = 64 << 10
	pipeLarge   = 1 << 20
)

// bulkPipe is the writing end of a pipe between the pool and a worker.
// Its first write of a pipe's default capacity or more grows the pipe, so
// that a large input or output crosses in a few wake-ups of the reader
// instead of one for every 64 KiB. The pipes of workers that never carry
// large messages keep the default size: the kernel counts every pipe's
// size against its user's quota. It is not safe for concurrent use: its
// writes are those of one wire.Conn, made under that Conn's write lock.
type bulkPipe struct {
	f     *os.File
	grown bool
}

func (p *bulkPipe) Write(b []byte) (int, error) {
	if !p.grown && len(b) >= pipeDefault {
		p.grown = true
		growPipe(p.f, pipeLarge) // best effort: a pipe that stays small only costs wake-ups
	}
	return p.f.Write(b)
}
