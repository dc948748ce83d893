// Package bench sets poolkit beside peer libraries and the physical floors
// of each workload. It holds only benchmarks: see README.md for the one
// command that runs them and writes RESULTS.md.
//
// This is a separate module, so the peers never enter poolkit's own
// dependency graph.
package bench
