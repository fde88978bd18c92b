// Command kapi runs the knowledge API and its admin tasks. It is the one place
// that reads the environment: run builds the configuration once and wires every
// part together.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `kapi: a self-hostable knowledge API

Usage:
  kapi serve [--no-migrate]   run the API (migrates first unless told not to)
  kapi migrate                apply pending migrations and exit
  kapi reembed [--feed S]     recompute vectors after an embedding model change
  kapi reindex [--feed S]     rebuild keyword statistics and postings (drops dead postings)
  kapi demo                   seed a demo account, feeds and entries; print a live key
  kapi feeds create --slug S --name N [--description D] [--licensor L] [--language english]
  kapi feeds update --feed S --status published|archived|suspended
  kapi subscriptions add|remove --account ID --feed S
  kapi ingest --feed S [--batch 500] FILE...
                              JSON array, NDJSON or BEIR corpus.jsonl[.gz]
  kapi accounts create --name N [--tier starter|pro|scale]
  kapi accounts update --id ID [--tier T] [--status active|past_due|canceled]
                       [--terms-accepted true|false]
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

Admin commands print JSON on stdout. A key is shown once, by create and rotate.

Configuration comes from the environment; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run executes one subcommand and returns the process exit code: 0 on success,
// 1 on failure, 2 on a usage error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "kapi: configuration problems:\n%v\n", err)
		return 1
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))

	var cmdErr error
	switch args[0] {
	case "serve":
		cmdErr = serveCmd(ctx, cfg, logger, args[1:])
	case "migrate":
		cmdErr = migrateCmd(ctx, cfg, logger, stdout, args[1:])
	case "feeds":
		cmdErr = feedsCmd(ctx, cfg, stdout, args[1:])
	case "subscriptions":
		cmdErr = subscriptionsCmd(ctx, cfg, stdout, args[1:])
	case "reembed":
		cmdErr = reembedCmd(ctx, cfg, logger, stdout, stderr, args[1:])
	case "reindex":
		cmdErr = reindexCmd(ctx, cfg, logger, stdout, args[1:])
	case "demo":
		cmdErr = demoCmd(ctx, cfg, logger, stdout, stderr, args[1:])
	case "ingest":
		cmdErr = ingestCmd(ctx, cfg, logger, stdout, stderr, args[1:])
	case "accounts":
		cmdErr = accountsCmd(ctx, cfg, stdout, args[1:])
	case "keys":
		cmdErr = keysCmd(ctx, cfg, stdout, args[1:])
	case "bench":
		cmdErr = benchCmd(ctx, cfg, logger, stdout, stderr, args[1:])
	default:
		fmt.Fprintf(stderr, "kapi: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if cmdErr != nil {
		fmt.Fprintf(stderr, "kapi %s: %v\n", args[0], cmdErr)
		if _, ok := cmdErr.(usageError); ok {
			return 2
		}
		return 1
	}
	return 0
}

// usageError is a bad command line: exit code 2, no stack of log lines.
type usageError struct{ error }
