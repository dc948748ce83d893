//go:build linux

package procpool

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/internal/wire"
)

// lanesMapped counts this process's mappings of lane files.
func lanesMapped(t *testing.T) int {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	require.NoError(t, err)
	return strings.Count(string(maps), "procpool-lanes")
}

// A worker maps only the lanes its parent offered, and says when it
// cannot; the parent then unmaps them, and values cross the pipe.
func TestLanesAWorkerCannotMapAreDropped(t *testing.T) {
	before := lanesMapped(t)
	h := &handshake{pr: &proc{}, conn: wire.NewConn(bytes.NewReader(nil), &bytes.Buffer{}, 1<<20)}
	var setup wire.Setup
	h.offerLanes(&setup)
	require.NotNil(t, setup.Lanes, "a parent on Linux offers lanes")
	require.Equal(t, before+1, lanesMapped(t))

	other := *setup.Lanes
	other.Ino++ // the descriptor now names another file
	_, err := mapLanes(&other)
	assert.ErrorContains(t, err, "is not the lanes it offered")
	assert.False(t, takeLanes(h.conn, &other), "a worker that cannot map the lanes says so in Ready")

	mem, err := mapLanes(setup.Lanes)
	require.NoError(t, err, "the lanes offered map")
	assert.Len(t, mem, int(setup.Lanes.Size))
	unmapFile(mem)

	h.takeLanes(false)
	assert.Nil(t, h.lanes)
	assert.Equal(t, before, lanesMapped(t), "lanes the worker did not map are unmapped at once")
	h.pr.onReap() // reaping the process later finds nothing left to release
}
