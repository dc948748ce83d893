package main

import (
	"os"
	"time"
)

// peakRSS samples the resident memory of this process and all its
// descendants, such as worker processes, and keeps the largest sum.
type peakRSS struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
	ok   bool
}

// startPeakRSS samples now and then every interval until Stop. Where the
// memory of processes cannot be read (outside Linux), it records nothing.
func startPeakRSS(every time.Duration) *peakRSS {
	s := &peakRSS{stop: make(chan struct{}), done: make(chan struct{})}
	s.sample()
	go s.loop(every)
	return s
}

func (s *peakRSS) loop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sample()
		}
	}
}

func (s *peakRSS) sample() {
	if rss, ok := treeRSS(os.Getpid()); ok {
		s.peak, s.ok = max(s.peak, rss), true
	}
}

// Stop takes a last sample, stops the sampling, and returns the peak in
// bytes; ok is false if no sample could be taken. Call it once.
func (s *peakRSS) Stop() (peak uint64, ok bool) {
	close(s.stop)
	<-s.done
	s.sample()
	return s.peak, s.ok
}
