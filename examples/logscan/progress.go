package main

import (
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// newBar returns a progress bar toward total bytes on stderr. It is drawn
// in place while stderr is a terminal, and hidden otherwise (a pipe, a
// file, go test), where the line printed before each long step says what
// the program is doing. Call Clear when the step ends, even early.
func newBar(total int64, description string) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetVisibility(isTerminal(os.Stderr)),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowBytes(true),
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
