package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/google/uuid"

	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// reembedBatch is how many entries are embedded and stored per transaction.
const reembedBatch = 200

// reembedCmd recomputes the vectors that the configured embedder did not make
// (after switching models), feed by feed, with a progress bar. It is resumable:
// every batch is committed, and a new run only sees what is still stale.
func reembedCmd(ctx context.Context, cfg Config, logger *slog.Logger, stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("reembed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	feedRef := fs.String("feed", "", "only this feed (slug or UUID); default every feed")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	pool, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer pool.Close()
	catalog := feeds.New(pool)
	targets, err := reembedTargets(ctx, catalog, *feedRef)
	if err != nil {
		return err
	}
	embedder, err := newEmbedder(ctx, cfg, logger)
	if err != nil {
		return err
	}
	engine := search.New(pool, embedder)
	total := 0
	for _, f := range targets {
		n, err := reembedFeed(ctx, engine, f, stderr, logger)
		total += n
		if err != nil {
			return fmt.Errorf("feed %s: %w (%d entries re-embedded; run again to resume)", f.Slug, err, total)
		}
	}
	return printJSON(stdout, map[string]any{"model": embedder.Model().String(), "feeds": len(targets), "reembedded": total})
}

func reembedTargets(ctx context.Context, catalog *feeds.Catalog, ref string) ([]feeds.Feed, error) {
	if ref == "" {
		return catalog.All(ctx)
	}
	f, err := catalog.Lookup(ctx, ref)
	if errors.Is(err, feeds.ErrNotFound) {
		return nil, fmt.Errorf("no feed %q: %w", ref, err)
	}
	return []feeds.Feed{f}, err
}

func reembedFeed(ctx context.Context, engine *search.Engine, f feeds.Feed, stderr io.Writer, logger *slog.Logger) (int, error) {
	stale, err := engine.Stale(ctx, []uuid.UUID{f.ID})
	if err != nil {
		return 0, err
	}
	todo := 0
	for _, s := range stale {
		todo += int(s.Count)
	}
	if todo == 0 {
		return 0, nil
	}
	bar := newProgress(stderr, f.Slug, todo)
	defer bar.Finish()
	return engine.Reembed(ctx, search.Feed{ID: f.ID, Language: f.Language}, reembedBatch, func(done int) {
		bar.Set(done)
		if !onTerminal() {
			logger.Info("reembed progress", "feed", f.Slug, "done", done, "total", todo)
		}
	})
}

// warnStaleVectors logs, at start-up, entries whose vectors another model made:
// semantic search skips them until `kapi reembed` runs.
func warnStaleVectors(ctx context.Context, catalog *feeds.Catalog, engine *search.Engine, logger *slog.Logger) {
	all, err := catalog.All(ctx)
	if err != nil {
		logger.Warn("could not check stored vectors", "error", err)
		return
	}
	ids := make([]uuid.UUID, len(all))
	for i, f := range all {
		ids[i] = f.ID
	}
	stale, err := engine.Stale(ctx, ids)
	if err != nil {
		logger.Warn("could not check stored vectors", "error", err)
		return
	}
	for _, s := range stale {
		logger.Warn("entries have vectors of another model; semantic search skips them until `kapi reembed` runs",
			"stored_model", s.Model, "entries", s.Count)
	}
}
