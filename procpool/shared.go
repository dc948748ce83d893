package procpool

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/poolkit/poolkit/internal/wire"
)

// Shared is a read-only byte region that every worker process on the
// parent's machine maps instead of receiving it: a large table, a model,
// the file a pool scans. The parent makes one with [Share] or
// [ShareFile]; a *Shared then travels in inputs like any other value, as
// a reference of a few dozen bytes, and [Shared.Bytes] returns the region
// in whichever process calls it. The memory exists once, however many
// workers map it, and a worker maps a region once however many inputs
// name it: inputs carry a *Shared and an offset and length into it rather
// than the bytes themselves.
//
// On Linux the memory of [Share] lives in an unnamed file in /dev/shm
// that the kernel frees once the parent has closed it and every worker
// that mapped it has exited, so it is released even if the parent is
// killed. Elsewhere it is a file in the temporary directory that
// [Shared.Close] removes. The same task runs on the goroutine engine,
// where Bytes returns the parent's own mapping.
//
// A region serves only workers on the parent's machine: a worker on
// another host (see [Launch]) gets an error from Bytes that says so. On
// Windows, Bytes in a worker reads the region into its own memory, one
// copy per worker.
type Shared struct {
	ref sharedRef

	mu     sync.Mutex
	file   *os.File // the parent's descriptor, which keeps the region alive
	data   []byte   // the parent's mapping
	temp   string   // a file to remove at Close, if any
	closed bool
}

// sharedRef is what locates a region from another process: the parent's
// open descriptor of it (on Linux, through /proc) or its path, with the
// identity of the file to check it by.
type sharedRef = wire.Region

// Share copies data once into memory that the pool's workers map read-only,
// and returns the region. The caller may reuse data afterwards. Close the
// region when no input needs it any more.
func Share(data []byte) (*Shared, error) {
	f, path, err := sharedFile()
	if err != nil {
		return nil, fmt.Errorf("procpool: Share: creating the region: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("procpool: Share: filling the region: %w", err)
	}
	s, err := newShared(f, path)
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("procpool: Share: %w", err)
	}
	return s, nil
}

// ShareFile maps the file at path read-only for the pool's workers, which
// map the same file instead of receiving its bytes: the operating
// system's page cache holds it once. The file must not shrink while it is
// shared: reading a mapping past the end of its file faults, which ends
// the process that reads it.
func ShareFile(path string) (*Shared, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("procpool: ShareFile: %w", err)
	}
	// A pipe or a device would block the open or refuse the mapping:
	// only a regular file can be shared.
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("procpool: ShareFile: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("procpool: ShareFile %s: not a regular file (%v)", path, fi.Mode().Type())
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("procpool: ShareFile: %w", err)
	}
	s, err := newShared(f, "")
	if err != nil {
		return nil, fmt.Errorf("procpool: ShareFile %s: %w", path, err)
	}
	s.ref.Path = abs
	return s, nil
}

// newShared maps f in the parent and describes it for the workers. temp is
// the path of a file to remove at Close, if any. It closes f on error.
func newShared(f *os.File, temp string) (*Shared, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	host, _ := os.Hostname()
	s := &Shared{ref: sharedRef{Host: host, PID: os.Getpid(), FD: int(f.Fd()), Path: temp, Size: fi.Size()}, file: f, temp: temp}
	s.ref.Dev, s.ref.Ino = fileID(fi)
	if s.data, err = mapFile(f, fi.Size()); err != nil {
		f.Close()
		return nil, fmt.Errorf("mapping it: %w", err)
	}
	return s, nil
}

// Len returns the size of the region in bytes, 0 for a nil *Shared.
func (s *Shared) Len() int {
	if s == nil {
		return 0
	}
	return int(s.ref.Size)
}

// Bytes returns the region, mapped read-only: writing to the slice faults.
// In the parent it is the parent's mapping; in a worker, the worker maps
// the region at its first call and keeps it until it exits. It fails if
// the region was closed, or if it belongs to another machine, and for a
// nil *Shared (an input that names no region).
func (s *Shared) Bytes() ([]byte, error) {
	if s == nil {
		return nil, errors.New("procpool: Bytes of a nil *Shared: the input names no region")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, errSharedClosed
	case s.file != nil:
		return s.data, nil
	}
	return mapped.get(s.ref)
}

// Close releases the parent's hold on the region. A worker that mapped it
// keeps its mapping until it exits, so that no slice a task holds goes
// bad, and the memory is freed once those workers are gone too: a program
// that shares region after region for a long time should recycle its
// workers ([RecycleAfter]). Bytes fails after Close in the parent, and in
// a worker that had not mapped the region. Close is safe to call more than
// once.
func (s *Shared) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.file == nil {
		return nil // a reference received from the parent: nothing to release
	}
	err := errors.Join(unmapFile(s.data), s.file.Close())
	if s.temp != "" {
		err = errors.Join(err, os.Remove(s.temp))
	}
	s.data = nil
	return err
}

var errSharedClosed = errors.New("procpool: the shared region is closed")

// GobEncode encodes the reference to the region, never its bytes.
func (s *Shared) GobEncode() ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(s.ref); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// GobDecode decodes a reference to a region; Bytes maps it.
func (s *Shared) GobDecode(b []byte) error {
	return gob.NewDecoder(bytes.NewReader(b)).Decode(&s.ref)
}

// mapped holds the regions a worker has mapped, by reference, so that a
// region named by many inputs is mapped once.
var mapped = &mappings{m: map[sharedRef][]byte{}}

type mappings struct {
	mu sync.Mutex
	m  map[sharedRef][]byte
}

func (ms *mappings) get(ref sharedRef) ([]byte, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if data, ok := ms.m[ref]; ok {
		return data, nil
	}
	if host, _ := os.Hostname(); host != ref.Host {
		return nil, fmt.Errorf("procpool: a shared region serves workers on the machine that shared it (%s), not this one (%s); "+
			"send the bytes in the input, or share them on each machine", ref.Host, host)
	}
	data, err := openShared(ref)
	if err != nil {
		return nil, fmt.Errorf("procpool: mapping the shared region of process %d: %w", ref.PID, err)
	}
	ms.m[ref] = data
	return data, nil
}

// errOtherFile is openRegion's error for a descriptor or path that names
// another file than the one meant: the parent closed it, and the number
// or the path went to another.
var errOtherFile = errors.New("procpool: the region's descriptor names another file")

// openRegion opens the file ref names with flag (os.O_RDONLY or os.O_RDWR)
// and checks that it is the very file meant, by device and inode. Shared
// regions and a worker's lanes are opened so.
func openRegion(ref sharedRef, flag int) (*os.File, os.FileInfo, error) {
	f, err := openRef(ref, flag)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		if dev, ino := fileID(fi); dev != ref.Dev || ino != ref.Ino {
			err = errOtherFile
		}
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// openShared opens the region ref names, checks that it is the very file
// the parent shared, and maps it.
func openShared(ref sharedRef) ([]byte, error) {
	f, fi, err := openRegion(ref, os.O_RDONLY)
	switch {
	case err == errOtherFile:
		return nil, errSharedClosed
	case err != nil:
		return nil, fmt.Errorf("%w (closed by the parent, or the parent is gone)", err)
	}
	defer f.Close()
	if fi.Size() < ref.Size {
		return nil, fmt.Errorf("the region is %d bytes, not the %d it was shared with: the file shrank", fi.Size(), ref.Size)
	}
	return mapFile(f, ref.Size)
}
