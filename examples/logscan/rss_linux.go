package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// treeRSS returns the resident memory of pid and all its descendants in
// bytes, read from /proc. It reports false if pid's own memory cannot be
// read; a descendant that exits meanwhile counts as zero.
func treeRSS(pid int) (uint64, bool) {
	total, ok := vmRSS(pid)
	if !ok {
		return 0, false
	}
	for _, child := range children(pid) {
		rss, _ := treeRSS(child)
		total += rss
	}
	return total, true
}

// vmRSS reads the VmRSS line of /proc/pid/status.
func vmRSS(pid int) (uint64, bool) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(status) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(rest) // "123456", "kB"
			if len(f) == 2 {
				kb, err := strconv.ParseUint(string(f[0]), 10, 64)
				return kb << 10, err == nil
			}
		}
	}
	return 0, false
}

// children lists the children of pid, from the children files of its
// threads (empty if the kernel does not provide them).
func children(pid int) []int {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var pids []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, field := range bytes.Fields(b) {
			if p, err := strconv.Atoi(string(field)); err == nil {
				pids = append(pids, p)
			}
		}
	}
	return pids
}
