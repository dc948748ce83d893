package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRunSmall(t *testing.T) {
	var out bytes.Buffer
	cfg := config{urls: 8, workers: []int{2, 8}, minDelay: time.Millisecond, maxDelay: 3 * time.Millisecond}
	require.NoError(t, run(&out, cfg))

	s := out.String()
	assert.Contains(t, s, "fetch: 8 pages")
	assert.Contains(t, s, "8 workers on ")
	assert.Contains(t, s, "waiting work wants many workers, not many cores")
	table := s[strings.Index(s, "engine"):]
	rows := strings.Split(table[:strings.Index(table, "\n\n")], "\n")
	require.Len(t, rows, 4, "header, sequential and two pools:\n%s", s)
	assert.Equal(t, []string{"engine", "workers", "CPUs", "wall", "speedup"}, strings.Fields(rows[0]))
	assert.Equal(t, []string{"sequential", "1"}, strings.Fields(rows[1])[:2])
	assert.Equal(t, []string{"pool", "2"}, strings.Fields(rows[2])[:2])
	assert.Equal(t, []string{"pool", "8"}, strings.Fields(rows[3])[:2])
}

func TestRunRejectsBadConfig(t *testing.T) {
	var out bytes.Buffer
	err := run(&out, config{urls: 1, workers: []int{1}, minDelay: 2 * time.Millisecond, maxDelay: time.Millisecond})
	assert.ErrorContains(t, err, "min <= max delay")
	assert.Empty(t, out.String())
}

func TestReportCatchesWrongPages(t *testing.T) {
	var out bytes.Buffer
	err := report(&out, []result{
		{name: "sequential", workers: 1, bodies: []string{"a", "b"}},
		{name: "pool", workers: 4, bodies: []string{"a", "c"}},
	})
	assert.EqualError(t, err, `pool with 4 workers: page 1: got "c", sequential got "b"`)
}

func TestServerDelayAndBodyDependOnlyOnThePath(t *testing.T) {
	srv := newServer(time.Millisecond, 2*time.Millisecond)
	defer srv.Close()
	c := newClient(1)
	defer c.CloseIdleConnections()

	first, err := fetch(t.Context(), c, srv.URL+"/page/7")
	require.NoError(t, err)
	again, err := fetch(t.Context(), c, srv.URL+"/page/7")
	require.NoError(t, err)
	other, err := fetch(t.Context(), c, srv.URL+"/page/8")
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.NotEqual(t, first, other)
	assert.True(t, strings.HasPrefix(first, "/page/7: "), first)
}

func TestParseCounts(t *testing.T) {
	got, err := parseCounts("1, 10,100")
	require.NoError(t, err)
	assert.Equal(t, []int{1, 10, 100}, got)
	for _, bad := range []string{"", "0", "x", "4,-1"} {
		_, err := parseCounts(bad)
		assert.Error(t, err, "%q", bad)
	}
}
