//go:build !linux

package procpool

import (
	"errors"
	"os"
)

// sharedFile creates the file that holds a region made by Share, in the
// temporary directory; Close removes it.
func sharedFile() (*os.File, string, error) {
	f, err := os.CreateTemp("", "procpool-shared-*")
	if err != nil {
		return nil, "", err
	}
	return f, f.Name(), nil
}

// openRef opens the region ref names by its path, with flag (os.O_RDONLY
// or os.O_RDWR).
func openRef(ref sharedRef, flag int) (*os.File, error) {
	if ref.Path == "" {
		return nil, errors.New("the region has no path")
	}
	return os.OpenFile(ref.Path, flag, 0)
}
