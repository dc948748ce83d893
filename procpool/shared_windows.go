package procpool

import (
	"io"
	"os"
)

// mapFile reads the first size bytes of f: a copy, where the other
// systems map.
func mapFile(f *os.File, size int64) ([]byte, error) {
	data := make([]byte, size)
	_, err := io.ReadFull(io.NewSectionReader(f, 0, size), data)
	return data, err
}

// unmapFile undoes mapFile.
func unmapFile([]byte) error { return nil }

// fileID returns no identity on Windows: the path names the file.
func fileID(os.FileInfo) (dev, ino uint64) { return 0, 0 }
