package procpool_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/poolkit/poolkit/pool"
	"github.com/poolkit/poolkit/procpool"
)

// span names part of a shared region.
type span struct {
	Region   *procpool.Shared
	Off, Len int
	Crash    bool // end the worker instead
}

// checksum returns the CRC-32 of the part of the region that in names.
func checksum(_ context.Context, in span) (uint32, error) {
	if in.Crash {
		os.Exit(3)
	}
	data, err := in.Region.Bytes()
	if err != nil {
		return 0, err
	}
	return crc32.ChecksumIEEE(data[in.Off : in.Off+in.Len]), nil
}

var checksumTask = procpool.Register("shared-checksum", checksum)

// spans cuts a region of size n into parts of about n/k bytes.
func spans(r *procpool.Shared, n, k int) []span {
	var out []span
	for off := 0; off < n; off += n / k {
		out = append(out, span{Region: r, Off: off, Len: min(n/k, n-off)})
	}
	return out
}

// Workers read the region's bytes, on both engines, from a region made
// from bytes and from one made from a file.
func TestSharedReachesWorkers(t *testing.T) {
	const n = 4<<20 + 123
	data := pattern(n)
	path := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	fromBytes, err := procpool.Share(data)
	require.NoError(t, err)
	defer fromBytes.Close()
	fromFile, err := procpool.ShareFile(path)
	require.NoError(t, err)
	defer fromFile.Close()
	data[0]++ // Share copied the bytes: changing them afterwards changes nothing shared

	engines := map[string]pool.Executor[span, uint32]{
		"procpool": procpool.New(checksumTask, procpool.Workers(2)),
		"pool":     pool.New(checksum, pool.Workers(2)),
	}
	data[0]--
	for name, ex := range engines {
		for what, r := range map[string]*procpool.Shared{"Share": fromBytes, "ShareFile": fromFile} {
			t.Run(name+"/"+what, func(t *testing.T) {
				require.Equal(t, n, r.Len())
				ins := spans(r, n, 37)
				outs, err := ex.Map(bg(), ins)
				require.NoError(t, err)
				for i, in := range ins {
					assert.Equal(t, crc32.ChecksumIEEE(data[in.Off:in.Off+in.Len]), outs[i], "part %d", i)
				}
			})
		}
		require.NoError(t, ex.Close())
	}
}

// A reference crosses as a few dozen bytes, never as the region.
func TestSharedEncodesAReference(t *testing.T) {
	r, err := procpool.Share(pattern(1 << 20))
	require.NoError(t, err)
	defer r.Close()
	var b bytes.Buffer
	require.NoError(t, gob.NewEncoder(&b).Encode(span{Region: r}))
	assert.Less(t, b.Len(), 512, "the encoded reference")
}

// After Close, the region is refused in the parent and to workers that
// have not mapped it, with an error that says so; closing twice is fine.
func TestSharedClosed(t *testing.T) {
	r, err := procpool.Share(pattern(1 << 16))
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.NoError(t, r.Close())
	_, err = r.Bytes()
	assert.ErrorContains(t, err, "shared region is closed")

	p := procpool.New(checksumTask, procpool.Workers(1))
	defer p.Close()
	_, err = p.Submit(bg(), span{Region: r, Len: 1}).Result(bg())
	assert.ErrorContains(t, err, "mapping the shared region", "a task given a closed region")
}

// An empty region is a valid one.
func TestSharedEmpty(t *testing.T) {
	r, err := procpool.Share(nil)
	require.NoError(t, err)
	defer r.Close()
	p := procpool.New(checksumTask, procpool.Workers(1))
	defer p.Close()
	sum, err := p.Submit(bg(), span{Region: r}).Result(bg())
	require.NoError(t, err)
	assert.Equal(t, crc32.ChecksumIEEE(nil), sum)
}

// An input that names no region gets an error that says so, not a panic.
func TestSharedNil(t *testing.T) {
	p := procpool.New(checksumTask, procpool.Workers(1))
	defer p.Close()
	_, err := p.Submit(bg(), span{}).Result(bg())
	assert.ErrorContains(t, err, "nil *Shared")
	var none *procpool.Shared
	assert.Zero(t, none.Len())
}

// A missing file and a folder are errors that name them.
func TestShareFileRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	_, err := procpool.ShareFile(filepath.Join(dir, "absent"))
	assert.ErrorContains(t, err, "absent")
	_, err = procpool.ShareFile(dir)
	assert.ErrorContains(t, err, "not a regular file")
}

// A worker that crashes or is recycled takes its mapping with it; the
// worker that replaces it maps the region again.
func TestSharedSurvivesCrashesAndRecycling(t *testing.T) {
	const n = 1 << 20
	data := pattern(n)
	r, err := procpool.Share(data)
	require.NoError(t, err)
	defer r.Close()
	p := procpool.New(checksumTask, procpool.Workers(2), procpool.RecycleAfter(3))
	defer p.Close()
	check := func(round int) {
		ins := spans(r, n, 16)
		outs, err := p.Map(bg(), ins)
		require.NoError(t, err, "round %d", round)
		for i, in := range ins {
			require.Equal(t, crc32.ChecksumIEEE(data[in.Off:in.Off+in.Len]), outs[i], "round %d, part %d", round, i)
		}
	}
	for round := range 3 {
		check(round)
		_, err := p.Submit(bg(), span{Crash: true}).Result(bg())
		require.ErrorIs(t, err, procpool.ErrWorkerDied, "round %d", round)
	}
	check(3)
	st := p.Stats()
	assert.Equal(t, uint64(3), st.Died, "workers that crashed")
	assert.Positive(t, st.Recycled, "workers recycled")
}

// Close leaves a file given to ShareFile where it was.
func TestShareFileCloseKeepsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.WriteFile(path, []byte("kept"), 0o600))
	r, err := procpool.ShareFile(path)
	require.NoError(t, err)
	got, err := r.Bytes()
	require.NoError(t, err)
	assert.Equal(t, "kept", string(got))
	require.NoError(t, r.Close())
	assert.FileExists(t, path)
}
