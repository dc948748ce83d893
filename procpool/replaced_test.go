package procpool_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A program rebuilt, redeployed or deleted while it runs keeps running its
// own code in every worker it starts afterwards, or refuses the worker
// with an error that says why: never the new code under the old task
// names. testdata/version replaces its worker after every input, so each
// input after the change starts a worker anew.
func TestBinaryChangedOnDiskNeverChangesTheCode(t *testing.T) {
	v1 := buildTestProgram(t, "version", "-ldflags=-X main.version=v1")
	v2 := buildTestProgram(t, "version", "-ldflags=-X main.version=v2")
	changes := []struct {
		name   string
		change func(t *testing.T, path string)
	}{
		{"mv over it", func(t *testing.T, path string) {
			next := path + ".next"
			copyExecutable(t, v2, next)
			require.NoError(t, os.Rename(next, path))
		}},
		{"go build over it", func(t *testing.T, path string) {
			out, err := exec.Command("go", "build", "-o", path, "-ldflags=-X main.version=v2", "./testdata/version").CombinedOutput()
			require.NoError(t, err, "%s", out)
		}},
		{"deleted", func(t *testing.T, path string) {
			require.NoError(t, os.Remove(path))
		}},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			app := filepath.Join(t.TempDir(), "app")
			copyExecutable(t, v1, app)
			cmd := exec.Command(app)
			ask, err := cmd.StdinPipe()
			require.NoError(t, err)
			h := startReporting(t, cmd)
			answer := func() string {
				_, err := io.WriteString(ask, "next\n")
				require.NoError(t, err)
				return h.next(t, "", 30*time.Second)
			}

			first := answer()
			require.Regexp(t, `^answer v1 \d+$`, first, "the program runs")
			c.change(t, app)
			workers := map[string]bool{strings.TrimPrefix(first, "answer v1 "): true}
			for range 3 {
				got := answer()
				if strings.HasPrefix(got, "error ") {
					assert.Contains(t, got, "replaced", "a worker refused must say the program's file changed")
					continue
				}
				require.Regexp(t, `^answer v1 \d+$`, got, "a worker started after the file changed runs other code")
				pid := strings.TrimPrefix(got, "answer v1 ")
				assert.False(t, workers[pid], "each input ran on a new worker (RecycleAfter(1))")
				workers[pid] = true
			}
			require.NoError(t, ask.Close())
			assert.NoError(t, h.wait(t, 30*time.Second), "the program ends when its input does; stderr:\n%s", h.stderr)
		})
	}
}

// copyExecutable copies the program at from to a new file at to.
func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o755))
}
