package testenv

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// outcome records how a function under test ended a fake test.
type outcome struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (o *outcome) Helper() {}

func (o *outcome) Skip(args ...any) {
	o.skipped, o.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

func (o *outcome) Fatal(args ...any) {
	o.failed, o.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

// runFake runs fn on its own goroutine, as the testing package runs a
// test, so that Skip and Fatal can end it.
func runFake(t *testing.T, fn func(testing.TB)) *outcome {
	o := &outcome{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(o)
	}()
	<-done
	return o
}

func TestRequireBinaries(t *testing.T) {
	tests := []struct {
		ci                  string
		wantSkip, wantFatal bool
	}{
		{ci: "", wantSkip: true},
		{ci: "false", wantSkip: true},
		{ci: "true", wantFatal: true}, // CI must never pass by skipping
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			o := runFake(t, func(tb testing.TB) { requireBinaries(tb, "sh", "testenv-no-such-program") })
			assert.Equal(t, tt.wantSkip, o.skipped, "skipped")
			assert.Equal(t, tt.wantFatal, o.failed, "failed")
			assert.Contains(t, o.msg, "testenv-no-such-program not installed; run .ci/install-launchers")
			assert.NotContains(t, o.msg, "sh,", "only missing programs are named")
		})
	}
	t.Run("all present", func(t *testing.T) {
		t.Setenv("CI", "true")
		var paths map[string]string
		o := runFake(t, func(tb testing.TB) { paths = requireBinaries(tb, "sh") })
		assert.False(t, o.skipped || o.failed, o.msg)
		assert.NotEmpty(t, paths["sh"])
	})
}
