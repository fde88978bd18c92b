// Command kapi runs the knowledge API and its admin tasks. It is the one place
// that reads the environment: run builds the configuration once and wires every
// part together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// version and commit are set at build time (Makefile) with
// -ldflags "-X main.version=... -X main.buildCommit=...".
var version, buildCommit = "dev", ""

// The exit codes of every subcommand (README.md, Commands).
const (
	exitOK       = 0 // done
	exitFailure  = 1 // it failed: bad data, the database, the model, the configuration
	exitUsage    = 2 // a bad command line: unknown command or flag, missing or malformed argument
	exitNotFound = 3 // a named account, key, feed or entry does not exist
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run executes one subcommand and returns the process exit code (exitOK,
// exitFailure, exitUsage or exitNotFound). Help and the version need no
// configuration, so they work on a machine that has none yet.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if code, done := answerWithoutConfig(args, stdout, stderr); done {
		return code
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "kapi: configuration problems:\n%v\n", err)
		return exitFailure
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	err, ok := dispatch(ctx, args[0], cfg, logger, stdout, stderr, args[1:])
	if !ok {
		fmt.Fprintf(stderr, "kapi: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return exitCode(args[0], err, stderr)
}

// answerWithoutConfig handles no arguments, help and version.
func answerWithoutConfig(args []string, stdout, stderr io.Writer) (int, bool) {
	switch {
	case len(args) == 0:
		fmt.Fprint(stderr, usage)
		return exitUsage, true
	case args[0] == "-h" || args[0] == "--help" || args[0] == "help":
		if len(args) > 1 {
			fmt.Fprint(stdout, commandUsage(args[1]))
		} else {
			fmt.Fprint(stdout, usage)
		}
		return exitOK, true
	case wantsHelp(args[1:]):
		fmt.Fprint(stdout, commandUsage(args[0]))
		return exitOK, true
	case args[0] == "version" || args[0] == "--version":
		fmt.Fprintln(stdout, versionLine())
		return exitOK, true
	}
	return 0, false
}

// exitCode reports a subcommand's error on stderr (a bad command line with the
// command's usage) and says which exit code it is.
func exitCode(name string, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "kapi %s: %v\n", name, err)
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprint(stderr, "\n"+commandUsage(name))
		return exitUsage
	case errors.Is(err, feeds.ErrNotFound), errors.Is(err, feeds.ErrNoAccount), errors.Is(err, auth.ErrNotFound),
		errors.Is(err, search.ErrNotFound):
		return exitNotFound
	}
	return exitFailure
}

// usageError is a bad command line: exit code 2, no stack of log lines.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }
