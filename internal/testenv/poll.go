package testenv

import (
	"net"
	"strconv"
	"testing"
	"time"
)

// readyTimeout bounds how long a harness waits for its daemons to come up
// and, at cleanup, for its jobs to end.
const readyTimeout = 30 * time.Second

// pollInterval is how often waitFor checks its condition.
const pollInterval = 20 * time.Millisecond

// waitFor calls done until it reports true or timeout passes, and reports
// whether it did. It blocks for at most about timeout; done runs on the
// caller's goroutine.
func waitFor(timeout time.Duration, done func() bool) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for !done() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// freePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago. Its caller hands them to daemons, which fail to start, and say
// so in their logs, in the rare case that another process took one in
// between.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports { // all held open at once, so the kernel gives n different ones
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("testenv: finding a free port: %v", err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// itoa is strconv.Itoa, short for building command lines.
func itoa(n int) string { return strconv.Itoa(n) }
