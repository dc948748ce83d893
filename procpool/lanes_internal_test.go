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

// A worker maps only the lanes its parent offered, the very file with the
// token, on the parent's machine, and says when it cannot; the parent
// then unmaps them, and values cross the pipe.
func TestLanesAWorkerCannotMapAreDropped(t *testing.T) {
	before := lanesMapped(t)
	h := &handshake{pr: &proc{}, conn: wire.NewConn(bytes.NewReader(nil), &bytes.Buffer{}, 1<<20)}
	var setup wire.Setup
	h.offerLanes(&setup)
	require.NotNil(t, setup.Lanes, "a parent on Linux offers lanes")
	require.Equal(t, before+2, lanesMapped(t), "the parent maps each lane on its own")

	for name, change := range map[string]func(*wire.Region){
		"another file":    func(r *wire.Region) { r.Ino++ },
		"another token":   func(r *wire.Region) { r.Token = strings.Repeat("x", laneTokenLen) },
		"no token":        func(r *wire.Region) { r.Token = "" },
		"another machine": func(r *wire.Region) { r.Host = "elsewhere.example" },
	} {
		other := *setup.Lanes
		change(&other)
		_, _, err := mapLanes(&other)
		assert.Error(t, err, name)
		assert.False(t, mapOfferedLanes(h.conn, &other), "%s: a worker that cannot map the lanes says so in Ready", name)
	}

	parents, workers, err := mapLanes(setup.Lanes)
	require.NoError(t, err, "the lanes offered map")
	assert.Len(t, parents, laneSpan())
	assert.Len(t, workers, laneSpan())
	parents[100], workers[100] = 7, 9 // a value's byte, written where the worker writes it
	assert.Equal(t, byte(7), h.lanes.parents[100], "the worker's mappings are the parent's memory")
	assert.Equal(t, byte(9), h.lanes.workers[100])
	unmapFile(parents)
	unmapFile(workers)

	h.takeLanes(false)
	assert.Nil(t, h.lanes)
	assert.Equal(t, before, lanesMapped(t), "lanes the worker did not map are unmapped at once")
	h.pr.onReap() // reaping the process later finds nothing left to release
}

// A worker on another machine is not offered lanes: a Command can put ssh
// in front of the worker.
func TestLanesAreNotOfferedToAnotherMachine(t *testing.T) {
	h := &handshake{pr: &proc{}, conn: wire.NewConn(bytes.NewReader(nil), &bytes.Buffer{}, 1<<20), host: "elsewhere.example"}
	var setup wire.Setup
	h.offerLanes(&setup)
	assert.Nil(t, setup.Lanes)
	assert.Nil(t, h.lanes)
}
