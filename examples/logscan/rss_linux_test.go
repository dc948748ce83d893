package main

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTreeRSSCountsChildren(t *testing.T) {
	self, ok := vmRSS(os.Getpid())
	require.True(t, ok)
	assert.Greater(t, self, uint64(1<<20), "a Go test binary holds more than a megabyte")

	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a child: %v", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	assert.Contains(t, children(os.Getpid()), cmd.Process.Pid)
	child, ok := vmRSS(cmd.Process.Pid)
	require.True(t, ok)
	tree, ok := treeRSS(os.Getpid())
	require.True(t, ok)
	assert.Greater(t, tree, child, "the tree holds the child and this process")
}

func TestPeakRSSSamplesThisProcess(t *testing.T) {
	peak, ok := startPeakRSS(time.Millisecond).Stop()
	assert.True(t, ok)
	assert.Greater(t, peak, uint64(1<<20))
}
