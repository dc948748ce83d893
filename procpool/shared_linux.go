package procpool

import (
	"fmt"
	"os"
)

// sharedFile creates the file that holds a region made by Share: in
// /dev/shm, memory rather than disk, where it exists, and unlinked at once,
// so that the kernel frees it when its last descriptor and mapping are
// gone, even if the parent is killed. It returns no path, as there is
// nothing to remove.
func sharedFile() (*os.File, string, error) {
	dir := "/dev/shm"
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "procpool-shared-*")
	if err != nil {
		return nil, "", err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, "", err
	}
	return f, "", nil
}

// openRef opens the region ref names through the parent's own descriptor,
// which works after the file was unlinked or renamed, with flag (os.O_RDONLY
// or os.O_RDWR).
func openRef(ref sharedRef, flag int) (*os.File, error) {
	return os.OpenFile(fmt.Sprintf("/proc/%d/fd/%d", ref.PID, ref.FD), flag, 0)
}
