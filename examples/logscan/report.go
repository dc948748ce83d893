package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// report prints the figures of s and its ten most frequent error codes.
func report(w io.Writer, s scanned) error {
	rss := "n/a"
	if s.rssOK {
		rss = formatBytes(int64(s.peakRSS))
	}
	mb := float64(s.total.Bytes) / 1e6
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "engine\tworkers\tchunk\tdata\tlines\twall\tMB/s\tpeak RSS, all processes")
	fmt.Fprintf(tw, "%s\t%d\t%v\t%s\t%s\t%.2fs\t%.0f\t%s\n", s.engine, s.workers, s.chunk, formatBytes(s.total.Bytes),
		commas(s.total.Lines), s.wall.Seconds(), mb/s.wall.Seconds(), rss)
	if err := tw.Flush(); err != nil {
		return err
	}
	return reportCodes(w, s.total, 10)
}

// codeCount is how often one error code occurred, and where most.
type codeCount struct {
	code, endpoint string
	count, most    int64
}

// topCodes returns the n most frequent error codes in t, most frequent
// first, and the total of failed requests.
func topCodes(t Tally, n int) ([]codeCount, int64) {
	var all []codeCount
	var failed int64
	for code, byEndpoint := range t.Errors {
		c := codeCount{code: code}
		for e, k := range byEndpoint {
			c.count += k
			if k > c.most || k == c.most && e < c.endpoint {
				c.endpoint, c.most = e, k
			}
		}
		failed += c.count
		all = append(all, c)
	}
	slices.SortFunc(all, func(a, b codeCount) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.code, b.code))
	})
	return all[:min(n, len(all))], failed
}

// reportCodes prints the n most frequent error codes with their share of
// the failed requests and the endpoint that failed with each most often.
func reportCodes(w io.Writer, t Tally, n int) error {
	top, failed := topCodes(t, n)
	fmt.Fprintf(w, "\ntop %d error codes of %s failed requests (%s requests in all)\n", len(top), commas(failed), commas(t.Requests))
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "code\tcount\tshare\tmost often from")
	for _, c := range top {
		fmt.Fprintf(tw, "%s\t%s\t%.1f%%\t%s (%s)\n", c.code, commas(c.count), 100*float64(c.count)/float64(failed), c.endpoint, commas(c.most))
	}
	return tw.Flush()
}

// commas writes n with thousands separators: 1,234,567.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r != '-' && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
