package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/feeds"
)

// feedJSON is what the feeds subcommands print.
type feedJSON struct {
	ID          string     `json:"id"`
	Slug        string     `json:"slug"`
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	Language    string     `json:"language"`
	Owner       *string    `json:"owner_account_id"`
	Visibility  string     `json:"visibility"`
	EntryCount  int64      `json:"entry_count"`
	LastEntryAt *time.Time `json:"last_entry_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

func toFeedJSON(f feeds.Feed) feedJSON {
	out := feedJSON{ID: f.ID.String(), Slug: f.Slug, Name: f.Name, Status: string(f.Status),
		Language: f.Language, Visibility: string(f.Visibility), EntryCount: f.EntryCount, LastEntryAt: f.LastEntryAt, CreatedAt: f.CreatedAt.UTC()}
	if f.OwnerAccountID != uuid.Nil {
		owner := f.OwnerAccountID.String()
		out.Owner = &owner
	}
	return out
}

// feedsCmd runs `kapi feeds create|update|list|show|grant|revoke|grants`,
// printing JSON.
func feedsCmd(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	if len(args) == 0 {
		return usageError{errors.New("want a subcommand: create, update, list, show, grant, revoke or grants")}
	}
	switch args[0] {
	case "grant", "revoke":
		return feedsGrant(ctx, cfg, stdout, args[0], args[1:])
	case "grants":
		return feedsGrants(ctx, cfg, stdout, args[1:])
	case "create":
		return feedsCreate(ctx, cfg, stdout, args[1:])
	case "update":
		return feedsUpdate(ctx, cfg, stdout, args[1:])
	case "list":
		return feedsList(ctx, cfg, stdout, args[1:])
	case "show":
		return feedsShow(ctx, cfg, stdout, args[1:])
	}
	return usageError{fmt.Errorf("unknown feeds command %q (create, update, list, show, grant, revoke, grants)", args[0])}
}

func feedsCreate(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	nf := feeds.NewFeed{}
	fs := newFlagSet("feeds create")
	fs.StringVar(&nf.Slug, "slug", "", "feed slug (required)")
	fs.StringVar(&nf.Name, "name", "", "feed name (required)")
	owner := fs.String("owner", "", "account id that owns the feed and may ingest into it over REST")
	fs.StringVar(&nf.Description, "description", "", "what the feed holds")
	fs.StringVar(&nf.LicensorName, "licensor", "", "who licenses the content")
	fs.StringVar(&nf.Language, "language", "english", "Postgres text-search configuration")
	visibility := fs.String("visibility", "", "public | private (default: private with --owner, else public)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	nf.Visibility = feeds.Visibility(*visibility)
	if *owner != "" {
		id, err := uuid.Parse(*owner)
		if err != nil {
			return usageError{errors.New("--owner must be an account uuid")}
		}
		nf.OwnerAccountID = id
		if nf.Visibility == "" {
			nf.Visibility = feeds.Private
		}
	}
	return withPool(ctx, cfg, func(pool *pgxpool.Pool) error {
		f, err := createOwnedFeed(ctx, pool, nf)
		if err != nil {
			return err
		}
		return printJSON(stdout, toFeedJSON(f))
	})
}

// createOwnedFeed creates nf; with an owner, it checks the account first (so an
// unknown one is "not found", not a foreign-key error) and subscribes it, as a
// feed created over REST is.
func createOwnedFeed(ctx context.Context, pool *pgxpool.Pool, nf feeds.NewFeed) (feeds.Feed, error) {
	if nf.OwnerAccountID != uuid.Nil {
		if _, err := auth.NewAccounts(pool).Get(ctx, nf.OwnerAccountID); err != nil {
			return feeds.Feed{}, fmt.Errorf("--owner %s: %w", nf.OwnerAccountID, err)
		}
	}
	c := feeds.New(pool)
	f, err := c.Create(ctx, nf)
	if err != nil || nf.OwnerAccountID == uuid.Nil {
		return f, err
	}
	if _, _, err := c.Subscribe(ctx, nf.OwnerAccountID, f.Slug); err != nil {
		return f, fmt.Errorf("subscribe the owner: %w", err)
	}
	return f, nil
}

func feedsUpdate(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	fs := newFlagSet("feeds update")
	ref := fs.String("feed", "", "feed slug or UUID (required)")
	status := fs.String("status", "", "published | archived | suspended")
	visibility := fs.String("visibility", "", "public | private (private needs an owner)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *ref == "" || (*status == "" && *visibility == "") {
		return usageError{errors.New("--feed and --status or --visibility are required")}
	}
	return withCatalog(ctx, cfg, func(c *feeds.Catalog) error {
		f, err := c.Update(ctx, uuid.Nil, *ref, feeds.Update{Status: feeds.Status(*status), Visibility: feeds.Visibility(*visibility)})
		if err != nil {
			return err
		}
		return printJSON(stdout, toFeedJSON(f))
	})
}

// grantJSON is what feeds grant, revoke and grants print.
type grantJSON struct {
	FeedID    uuid.UUID  `json:"feed_id"`
	Feed      string     `json:"feed"`
	AccountID uuid.UUID  `json:"account_id"`
	Granted   bool       `json:"granted"`
	GrantedAt *time.Time `json:"granted_at"`
}

// feedsGrant runs `kapi feeds grant|revoke --feed S --account ID`: as an
// operator, on any feed.
func feedsGrant(ctx context.Context, cfg Config, stdout io.Writer, verb string, args []string) error {
	fs := newFlagSet("feeds " + verb)
	ref := fs.String("feed", "", "feed slug or UUID (required)")
	account := fs.String("account", "", "account id (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	accountID, err := uuid.Parse(*account)
	if err != nil || *ref == "" {
		return usageError{errors.New("--account must be an account id and --feed a feed slug or UUID")}
	}
	return withCatalog(ctx, cfg, func(c *feeds.Catalog) error {
		out := grantJSON{AccountID: accountID}
		var f feeds.Feed
		if verb == "grant" {
			var g feeds.Grant
			g, f, err = c.Grant(ctx, uuid.Nil, *ref, accountID)
			out.Granted, out.GrantedAt = true, &g.GrantedAt
		} else {
			f, err = c.Revoke(ctx, uuid.Nil, *ref, accountID)
		}
		if err != nil {
			return fmt.Errorf("feed %q, account %s: %w", *ref, accountID, err)
		}
		out.FeedID, out.Feed = f.ID, f.Slug
		return printJSON(stdout, out)
	})
}

// feedsGrants runs `kapi feeds grants --feed S`: the accounts granted the feed.
func feedsGrants(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	ref, err := feedFlag("feeds grants", args)
	if err != nil {
		return err
	}
	return withCatalog(ctx, cfg, func(c *feeds.Catalog) error {
		grants, f, err := c.Grants(ctx, uuid.Nil, ref)
		if err != nil {
			return fmt.Errorf("feed %q: %w", ref, err)
		}
		return printAll(stdout, grants, func(g feeds.Grant) grantJSON {
			return grantJSON{FeedID: f.ID, Feed: f.Slug, AccountID: g.AccountID, Granted: true, GrantedAt: &g.GrantedAt}
		})
	})
}

func feedsList(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	if err := parseFlags(newFlagSet("feeds list"), args); err != nil {
		return err
	}
	return withCatalog(ctx, cfg, func(c *feeds.Catalog) error {
		all, err := c.All(ctx)
		if err != nil {
			return err
		}
		return printAll(stdout, all, toFeedJSON)
	})
}

func feedsShow(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	ref, err := feedFlag("feeds show", args)
	if err != nil {
		return err
	}
	return withCatalog(ctx, cfg, func(c *feeds.Catalog) error {
		f, err := c.Lookup(ctx, ref)
		if err != nil {
			return fmt.Errorf("feed %q: %w", ref, err)
		}
		return printJSON(stdout, toFeedJSON(f))
	})
}

// feedFlag parses the arguments of a command that takes only --feed (required).
func feedFlag(command string, args []string) (string, error) {
	fs := newFlagSet(command)
	ref := fs.String("feed", "", "feed slug or UUID (required)")
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	if *ref == "" {
		return "", usageError{errors.New("--feed is required")}
	}
	return *ref, nil
}

func subscriptionsCmd(ctx context.Context, cfg Config, stdout io.Writer, args []string) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "remove") {
		return usageError{errors.New("usage: kapi subscriptions add|remove --account ID --feed S")}
	}
	fs := newFlagSet("subscriptions " + args[0])
	account := fs.String("account", "", "account id (required)")
	ref := fs.String("feed", "", "feed slug or UUID (required)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
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
