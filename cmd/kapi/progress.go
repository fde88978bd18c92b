package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// newProgress is a bar with entries/s and ETA on stderr when stderr is a
// terminal; elsewhere (CI, pipes) it draws nothing and callers log progress.
//
// The clock starts now: left to the first Add, it would start after the first
// batch, and a file of one fast batch (unchanged rows) would show millions of
// entries a second.
func newProgress(w io.Writer, description string, total int) *progressbar.ProgressBar {
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(onTerminal()),
		progressbar.OptionSetDescription(description),
		progressbar.OptionSetItsString("entries"),
		progressbar.OptionShowIts(),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
	bar.StartWithoutRender()
	return bar
}

func onTerminal() bool { return term.IsTerminal(int(os.Stderr.Fd())) }
