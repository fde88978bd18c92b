package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// entriesCmd runs `kapi entries delete`, printing JSON.
func entriesCmd(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	if len(args) == 0 || args[0] != "delete" {
		return usageError{errors.New("want a subcommand: delete")}
	}
	fs := newFlagSet("entries delete")
	ref := fs.String("feed", "", "feed slug or UUID (required)")
	id := fs.String("id", "", "entry id (required)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	entryID, err := uuid.Parse(*id)
	if err != nil || *ref == "" {
		return usageError{errors.New("--feed must name a feed and --id be an entry uuid")}
	}
	return withPool(ctx, cfg, func(pool *pgxpool.Pool) error {
		f, err := feeds.New(pool).Lookup(ctx, *ref)
		if err != nil {
			return fmt.Errorf("feed %q: %w", *ref, err)
		}
		// Deleting embeds nothing, so the engine needs no embedder.
		if err := search.New(pool, nil).Delete(ctx, f.ID, entryID); err != nil {
			return fmt.Errorf("entry %s: %w", entryID, err)
		}
		return printJSON(stdout, map[string]any{"id": entryID, "feed": f.Slug, "deleted": true})
	})
}
