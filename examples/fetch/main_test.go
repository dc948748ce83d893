package main

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/poolkit/poolkit/pool"
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
	assert.Contains(t, s, "\nfetching them one after another (about 0s) ...\nfetching them on a pool of 2 goroutines ...\nfetching them on a pool of 8 goroutines ...\n\nengine",
		"a line before each wait, then the table")
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

func TestExpected(t *testing.T) {
	assert.Equal(t, 17500*time.Millisecond, expected(config{urls: 100, minDelay: 50 * time.Millisecond, maxDelay: 300 * time.Millisecond}))
}

// TestWatchShowsEachReadingAndTheLast checks the progress watcher: it shows
// what done reads while it runs, and once more when stopped, so the bar
// ends at the final count.
func TestWatchShowsEachReadingAndTheLast(t *testing.T) {
	var count atomic.Int64
	shown := make(chan int, 1000)
	stop := watch(time.Millisecond, func() int { return int(count.Add(1)) }, func(n int) { shown <- n })
	first := <-shown // a reading taken while running
	stop()
	close(shown)
	last := first
	for n := range shown {
		last = n
	}
	assert.Equal(t, int(count.Load()), last, "stop shows the final reading")
	assert.Greater(t, last, first)
}

func TestFinishedCountsEveryOutcome(t *testing.T) {
	assert.Equal(t, 6, finished(pool.Stats{Completed: 3, Failed: 2, Cancelled: 1, Running: 4, Queued: 5}))
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
