package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// reindexCmd rebuilds the keyword statistics and postings of every feed (or
// one) from their entries: it drops the dead postings of rewritten and
// deleted entries, which the search skips but still reads. Safe to run at any
// time; ingestion into a feed waits while it is rebuilt.
func reindexCmd(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer, args []string) error {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	feedRef := fs.String("feed", "", "only this feed (slug or UUID); default every feed")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return usageError{fmt.Errorf("usage: kapi reindex [--feed SLUG]")}
	}
	pool, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer pool.Close()
	targets, err := reembedTargets(ctx, feeds.New(pool), *feedRef)
	if err != nil {
		return err
	}
	engine := search.New(pool, nil)
	var dropped int64
	for _, f := range targets {
		start := time.Now()
		dead, err := engine.RebuildKeyword(ctx, f.ID)
		if err != nil {
			return fmt.Errorf("feed %s: %w", f.Slug, err)
		}
		dropped += dead
		logger.Info("keyword index rebuilt", "feed", f.Slug, "entries", f.EntryCount, "dead_postings_dropped", dead,
			"seconds", time.Since(start).Seconds())
	}
	return printJSON(stdout, map[string]any{"feeds": len(targets), "dead_postings_dropped": dropped})
}
