//go:build unix

package procpool

import (
	"os"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The promises of Shared's doc that only the package can check: a worker
// maps a region once however many inputs name it, refuses a file that is
// not the one shared, and says so when the region is on another machine.
func TestSharedMappingPromises(t *testing.T) {
	s, err := Share([]byte("shared once"))
	require.NoError(t, err)
	defer s.Close()
	ms := &mappings{m: map[sharedRef][]byte{}} // a worker's, fresh

	first, err := ms.get(s.ref)
	require.NoError(t, err)
	defer unmapFile(first)
	assert.Equal(t, "shared once", string(first))
	again, err := ms.get(s.ref)
	require.NoError(t, err)
	assert.Equal(t, unsafe.SliceData(first), unsafe.SliceData(again), "a second input's Bytes maps the region again")
	assert.Len(t, ms.m, 1)

	other := s.ref
	other.Ino++ // the parent's descriptor now names another file
	_, err = ms.get(other)
	assert.ErrorIs(t, err, errSharedClosed, "a region whose file is not the one shared")

	elsewhere := s.ref
	elsewhere.Host = "elsewhere.example"
	_, err = ms.get(elsewhere)
	host, _ := os.Hostname()
	assert.ErrorContains(t, err, "(elsewhere.example), not this one ("+host+")")
}
