package main

import (
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// newBar returns a progress bar toward total pages on stderr. It is drawn
// in place while stderr is a terminal, and hidden otherwise (a pipe, a
// file, go test), where the line printed before each long step says what
// the program is doing. Call Clear when the step ends, even early.
func newBar(total int, description string) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetVisibility(isTerminal(os.Stderr)),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// isTerminal reports whether f is a character device, such as a terminal.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// watch calls show with the value of done every interval, from a goroutine
// of its own, until stop is called. stop shows the last value once more
// and returns after the goroutine has ended.
//
// It is how a caller blocked in Map can still show progress: done reads
// the pool's Stats, which are safe to read while Map runs.
func watch(every time.Duration, done func() int, show func(int)) (stop func()) {
	quit, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				show(done())
			}
		}
	}()
	return func() {
		close(quit)
		<-ended
		show(done())
	}
}
