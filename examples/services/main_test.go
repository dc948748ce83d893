package main

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/poolkit/poolkit/procpool"
)

func TestMain(m *testing.M) {
	procpool.Main()
	goleak.VerifyTestMain(m)
}

// The set runs the three kinds of work on its two workers, where one pool
// per task starts six, and the memory each process loads is counted
// twice rather than six times.
func TestRun(t *testing.T) {
	tableMiB = 16
	var out bytes.Buffer
	require.NoError(t, run(&out, 2, 20))
	s := out.String()
	own := row(t, s, "one pool per task")
	shared := row(t, s, "one Set, three pools")
	assert.Equal(t, 6, own.procs, "one pool per task: 3 pools of 2 workers\n%s", s)
	assert.Equal(t, 2, shared.procs, "a set of 2 workers\n%s", s)
	assert.Greater(t, own.rss, 6*16, "six processes each hold the table\n%s", s)
	assert.Less(t, shared.rss, own.rss/2, "the set's two processes hold it twice\n%s", s)
}

type figures struct{ procs, rss int }

// row returns the processes and MiB of a layout's row.
func row(t *testing.T, s, name string) figures {
	m := regexp.MustCompile(regexp.QuoteMeta(name) + `\s+(\d+)\s+(\d+) MiB`).FindStringSubmatch(s)
	require.NotNil(t, m, "no row %q in\n%s", name, s)
	procs, _ := strconv.Atoi(m[1])
	rss, _ := strconv.Atoi(m[2])
	return figures{procs, rss}
}
