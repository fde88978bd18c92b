package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/feeds"
)

func feedsCmd(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("usage: kapi feeds create|update ...")}
	}
	fs := flag.NewFlagSet("feeds "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	switch args[0] {
	case "create":
		nf := feeds.NewFeed{}
		fs.StringVar(&nf.Slug, "slug", "", "feed slug (required)")
		fs.StringVar(&nf.Name, "name", "", "feed name (required)")
		fs.StringVar(&nf.Description, "description", "", "what the feed holds")
		fs.StringVar(&nf.LicensorName, "licensor", "", "who licenses the content")
		fs.StringVar(&nf.Language, "language", "english", "Postgres text-search configuration")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError{err}
		}
		return withCatalog(ctx, cfg, func(c *feeds.Catalog) error {
			f, err := c.Create(ctx, nf)
			if err != nil {
				return err
			}
			return printJSON(stdout, map[string]any{"id": f.ID, "slug": f.Slug, "status": f.Status})
		})
	case "update":
		ref := fs.String("feed", "", "feed slug or UUID (required)")
		status := fs.String("status", "", "published | archived | suspended")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError{err}
		}
		if *ref == "" || *status == "" {
			return usageError{errors.New("usage: kapi feeds update --feed S --status published|archived|suspended")}
		}
		return withCatalog(ctx, cfg, func(c *feeds.Catalog) error {
			f, err := c.SetStatus(ctx, *ref, feeds.Status(*status))
			if err != nil {
				return err
			}
			return printJSON(stdout, map[string]any{"id": f.ID, "slug": f.Slug, "status": f.Status})
		})
	}
	return usageError{fmt.Errorf("unknown feeds command %q (create, update)", args[0])}
}

func subscriptionsCmd(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "remove") {
		return usageError{errors.New("usage: kapi subscriptions add|remove --account ID --feed S")}
	}
	fs := flag.NewFlagSet("subscriptions "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	account := fs.String("account", "", "account id (required)")
	ref := fs.String("feed", "", "feed slug or UUID (required)")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{err}
	}
	accountID, err := uuid.Parse(*account)
	if err != nil || *ref == "" {
		return usageError{errors.New("--account must be an account id and --feed a feed slug or UUID")}
	}
	return withCatalog(ctx, cfg, func(c *feeds.Catalog) error {
		subscribe := c.Subscribe
		if args[0] == "remove" {
			subscribe = c.Unsubscribe
		}
		s, f, err := subscribe(ctx, accountID, *ref)
		if err != nil {
			return err
		}
		return printJSON(stdout, map[string]any{"account_id": s.AccountID, "feed_id": f.ID,
			"feed": f.Slug, "status": s.Status, "subscribed_at": s.SubscribedAt})
	})
}

func withCatalog(ctx context.Context, cfg Config, fn func(*feeds.Catalog) error) error {
	return withPool(ctx, cfg, func(pool *pgxpool.Pool) error { return fn(feeds.New(pool)) })
}
