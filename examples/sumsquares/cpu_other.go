//go:build !unix

package main

import "time"

// cpuTime reports false: this program reads CPU time only on Unix.
func cpuTime() (time.Duration, bool) { return 0, false }
