//go:build !linux

package procpool

import (
	"errors"

	"github.com/poolkit/poolkit/internal/wire"
)

// newLanes returns nil: lanes live in Linux's /dev/shm, and elsewhere
// values cross the pipe.
func newLanes() *lanes { return nil }

// mapLanes fails: no parent offers lanes here.
func mapLanes(*wire.Region) (parents, workers []byte, err error) {
	return nil, nil, errors.New("lanes are for Linux")
}

// releaseLane does nothing: there are no lanes.
func releaseLane([]byte) {}
