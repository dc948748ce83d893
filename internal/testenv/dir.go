package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// newDir returns a fresh temporary directory for one harness, removed when
// the test ends, and registers the check that no process outlives the
// harness's cleanup holding a file in it. Cleanups run last-in first-out,
// so that check runs after the daemons started later have stopped.
func newDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	t.Cleanup(func() { checkNoStrays(t, dir) })
	return dir
}

// writeFile writes data to path with mode perm, failing the test on error.
func writeFile(t testing.TB, path string, data []byte, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatalf("testenv: %v", err)
	}
}

// run runs a short command to completion and returns its standard output,
// failing the test with the command's output if it fails.
func run(t testing.TB, cmd *exec.Cmd) string {
	t.Helper()
	var stderr []byte
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	if err != nil {
		t.Fatalf("testenv: %s: %v\n%s%s", cmd, err, out, stderr)
	}
	return string(out)
}
