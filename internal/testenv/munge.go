package testenv

import (
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxSocketPath is the longest path a Unix socket can be bound to on Linux.
const maxSocketPath = 107

// startMunge starts munged with a new key, all its files in dir/munge, and
// returns the path of its socket once it accepts connections. The daemon
// is stopped at cleanup.
func startMunge(t testing.TB, dir, munged string) (socket string) {
	t.Helper()
	mdir := filepath.Join(dir, "munge")
	if err := os.Mkdir(mdir, 0o700); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	searchable(t, mdir)
	socket = filepath.Join(mdir, "socket")
	if len(socket) > maxSocketPath {
		t.Fatalf("testenv: munge socket path %q is too long; set a shorter TMPDIR", socket)
	}
	key := filepath.Join(mdir, "key")
	secret := make([]byte, 1024)
	_, _ = rand.Read(secret) // never fails
	writeFile(t, key, secret, 0o400)
	d := startDaemon(t, dir, "munged", munged, nil, "--foreground",
		"--key-file="+key, "--socket="+socket, "--pid-file="+filepath.Join(mdir, "pid"),
		"--log-file="+filepath.Join(dir, "munged.log"), "--seed-file="+filepath.Join(mdir, "seed"))
	if !waitFor(readyTimeout, func() bool { return d.exited() || listening(socket) }) || d.exited() {
		t.Fatalf("testenv: munged not accepting connections on %s: %s", socket, d.failure())
	}
	return socket
}

// searchable lets everyone search dir and its ancestors below the system's
// temporary directory, as munged demands of its socket's directory
// (t.TempDir makes them private).
func searchable(t testing.TB, dir string) {
	t.Helper()
	tmp := filepath.Clean(os.TempDir())
	for p := dir; strings.HasPrefix(p, tmp+"/"); p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err == nil {
			err = os.Chmod(p, info.Mode().Perm()|0o111)
		}
		if err != nil {
			t.Fatalf("testenv: munged needs %s searchable: %v", dir, err)
		}
	}
}

// listening reports whether something accepts connections on the Unix
// socket at path.
func listening(path string) bool {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}
