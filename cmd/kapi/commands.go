package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
)

const usage = `kapi: a self-hostable knowledge API

Usage:
  kapi serve [--no-migrate]   run the API (migrates first unless told not to)
  kapi migrate                apply pending migrations and exit
  kapi version                print the version (also kapi --version)
  kapi reembed [--feed S]     recompute vectors after an embedding model change
  kapi reindex [--feed S]     rebuild keyword statistics and postings (drops dead postings)
  kapi demo                   seed a demo account, feeds and entries; print a live key
  kapi feeds create --slug S --name N [--owner ACCOUNT] [--visibility public|private]
                    [--description D] [--licensor L] [--language english]
                              with --owner private by default; without, public
  kapi feeds update --feed S [--status published|archived|suspended]
                    [--visibility public|private]
  kapi feeds list
  kapi feeds show --feed S
  kapi feeds grant|revoke --feed S --account ID
                              let an account read a private feed, or stop it at once
  kapi feeds grants --feed S  the accounts granted the feed
  kapi subscriptions add|remove --account ID --feed S
  kapi ingest --feed S [--batch 500] [--dry-run] FILE...
                              JSON array, NDJSON or BEIR corpus.jsonl[.gz]; --dry-run
                              validates without storing (--feed optional then)
  kapi entries delete --feed S --id ID
  kapi accounts create --name N [--tier starter|pro|scale]
  kapi accounts update --id ID [--tier T] [--status active|past_due|canceled]
                       [--terms-accepted true|false]
  kapi accounts list
  kapi accounts show --id ID
  kapi accounts sign-in-link --account ID [--key KEY_ID]
                              a one-time link (15 min) for the MCP connector's sign-in page
  kapi accounts grants list --account ID
  kapi accounts grants revoke --account ID --grant GRANT_ID
                              the OAuth grants agents hold (MCP connector)
  kapi keys create --account ID [--name N] [--env live|test]
                   [--scopes "knowledge:read feeds:read usage:read"]
                   [--allowed-categories a,b] [--expires-in 720h]
  kapi keys list --account ID
  kapi keys revoke --id ID
  kapi keys rotate --id ID [--grace 24h]
  kapi bench quality --data DIR [--modes keyword,semantic,hybrid] [--out bench/results]
                     [--database-url URL] [--check FILE --tolerance 0.02]
  kapi bench load --url URL --key KEY [--feed S] [--queries FILE] [--concurrency 1,8]
                  [--duration 20s] [--modes ...] [--database-url URL]
                              see bench/README.md
  kapi help COMMAND           one command's usage (also kapi COMMAND --help)

Admin commands print JSON on stdout. A key is shown once, by create and rotate.
Exit codes: 0 done, 1 failed, 2 bad command line, 3 a named account, key, feed
or entry does not exist.

Configuration comes from the environment; see README.md.
`

// dispatch runs subcommand name; ok is false for a command that does not exist.
func dispatch(ctx context.Context, name string, cfg Config, logger *slog.Logger,
	stdout, stderr io.Writer, args []string) (err error, ok bool) {
	switch name {
	case "serve":
		return serveCmd(ctx, cfg, logger, args), true
	case "migrate":
		return migrateCmd(ctx, cfg, logger, stdout, args), true
	case "feeds":
		return feedsCmd(ctx, cfg, stdout, args), true
	case "subscriptions":
		return subscriptionsCmd(ctx, cfg, stdout, args), true
	case "reembed":
		return reembedCmd(ctx, cfg, logger, stdout, stderr, args), true
	case "reindex":
		return reindexCmd(ctx, cfg, logger, stdout, args), true
	case "demo":
		return demoCmd(ctx, cfg, logger, stdout, stderr, args), true
	case "ingest":
		return ingestCmd(ctx, cfg, logger, stdout, stderr, args), true
	case "entries":
		return entriesCmd(ctx, cfg, stdout, args), true
	case "accounts":
		return accountsCmd(ctx, cfg, stdout, args), true
	case "keys":
		return keysCmd(ctx, cfg, stdout, args), true
	case "bench":
		return benchCmd(ctx, cfg, logger, stdout, stderr, args), true
	}
	return nil, false
}

// commandUsage is the part of usage about one command (its lines and their
// continuation lines), so each command's help and the overview never differ.
func commandUsage(name string) string {
	var b strings.Builder
	in := false
	for _, line := range strings.Split(usage, "\n") {
		rest, isCmd := strings.CutPrefix(line, "  kapi ")
		switch {
		case isCmd:
			in = rest == name || strings.HasPrefix(rest, name+" ")
		case !strings.HasPrefix(line, "    "):
			in = false
		}
		if in {
			b.WriteString(line + "\n")
		}
	}
	if b.Len() == 0 {
		return fmt.Sprintf("kapi: unknown command %q\n\n%s", name, usage)
	}
	return "Usage:\n" + b.String() + "\nExit codes: 0 done, 1 failed, 2 bad command line, 3 not found.\n"
}

// wantsHelp reports -h, -help or --help among a command's arguments (before
// a "--" that ends the flags).
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// versionLine is the release (a git tag, or git describe's tag-count-commit
// at build time), the commit the binary was built from, and the Go version.
func versionLine() string {
	commit := buildCommit
	if commit == "" {
		commit = "unknown"
	}
	if bi, ok := debug.ReadBuildInfo(); ok && commit == "unknown" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				commit = s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("kapi %s (commit %s, %s)", version, commit, runtime.Version())
}
