package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestReadmeQuotesThisProgram keeps the README's quickstart compiling: the
// README must show this file verbatim, and go build compiles this file.
func TestReadmeQuotesThisProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(readme), "```go\n"+string(src)+"```\n"),
		"README.md's quickstart differs from examples/quickstart/main.go")
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func Example() {
	main()
	// Output:
	// [4 25 168 1229 9592]
	// 78498 <nil>
}
