package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// installHint is how a skipped test tells a reader to enable itself.
const installHint = "run .ci/install-launchers (apt-get install openssh-server openssh-client slurmctld slurmd slurm-client munge) to run these tests"

// requireBinaries returns the paths of the named programs, looked up in
// PATH and then in /usr/sbin and /sbin (where daemons live but a non-root
// PATH may not reach). If one is missing it skips the test, or fails it when
// CI=true: CI must never pass by skipping.
func requireBinaries(t testing.TB, names ...string) map[string]string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("testenv: launcher tests need Linux, not %s", runtime.GOOS)
	}
	paths := make(map[string]string, len(names))
	var missing []string
	for _, name := range names {
		path, err := lookPath(name)
		if err != nil {
			missing = append(missing, name)
			continue
		}
		paths[name] = path
	}
	if len(missing) > 0 {
		msg := "testenv: " + strings.Join(missing, ", ") + " not installed; " + installHint
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return paths
}

// lookPath finds an executable in PATH, /usr/sbin or /sbin.
func lookPath(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if p, e := exec.LookPath(filepath.Join(dir, name)); e == nil {
			return p, nil
		}
	}
	return "", err
}
