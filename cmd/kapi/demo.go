package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// demoData holds three feeds of entries written for the demo.
//
//go:embed demo/feeds.json
var demoData []byte

type demoFeed struct {
	Slug         string            `json:"slug"`
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	LicensorName string            `json:"licensor_name"`
	Language     string            `json:"language"`
	Categories   map[string]string `json:"categories"`
	Entries      json.RawMessage   `json:"entries"`
}

type demoResult struct {
	AccountID string   `json:"account_id"`
	Key       string   `json:"key"`
	Feeds     []string `json:"feeds"`
	Entries   int      `json:"entries"`
}

// demoCmd seeds a pro-tier demo account, the three demo feeds with their
// entries and subscriptions, and prints a new live key. Running it again reuses
// the account and feeds (entries are upserted, unchanged ones skipped) and
// prints another key: only hashes of keys are stored, so an old one cannot be
// shown again.
func demoCmd(ctx context.Context, cfg Config, logger *slog.Logger, stdout, stderr io.Writer, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("takes no arguments, got %q", args)}
	}
	var data struct {
		Feeds []demoFeed `json:"feeds"`
	}
	if err := json.Unmarshal(demoData, &data); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	pool, err := openDB(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer pool.Close()
	embedder, err := newEmbedder(ctx, cfg, logger)
	if err != nil {
		return err
	}
	d := demo{pool: pool, catalog: feeds.New(pool), engine: search.New(pool, embedder)}
	res, err := d.seed(ctx, data.Feeds)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "\nDemo ready: account %s, %d entries in %d feeds.\nYour demo key (shown once):\n\n  %s\n\nTry:\n  curl -s -H 'Authorization: Bearer %s' -H 'X-PostGrad-Feed: all' '%s/api/v1/knowledge/search?q=how+to+lower+blood+pressure&mode=hybrid'\n\n",
		res.AccountID, res.Entries, len(res.Feeds), res.Key, res.Key, dialAddr(cfg.Addr))
	return printJSON(stdout, res)
}

type demo struct {
	pool    *pgxpool.Pool
	catalog *feeds.Catalog
	engine  *search.Engine
}

func (d demo) seed(ctx context.Context, data []demoFeed) (demoResult, error) {
	account, err := d.account(ctx, data[0].Slug)
	if err != nil {
		return demoResult{}, err
	}
	res := demoResult{AccountID: account.String()}
	for _, df := range data {
		n, err := d.feed(ctx, account, df)
		if err != nil {
			return demoResult{}, fmt.Errorf("demo feed %s: %w", df.Slug, err)
		}
		res.Feeds = append(res.Feeds, df.Slug)
		res.Entries += n
	}
	key, err := auth.NewKeys(d.pool, auth.KeysOptions{}).Create(ctx, auth.KeySpec{
		AccountID: account, Name: "demo", Env: auth.EnvLive,
		Scopes: []string{"knowledge:read", "feeds:read", "feeds:write", "usage:read", "keys:read"},
	})
	if err != nil {
		return demoResult{}, fmt.Errorf("demo key: %w", err)
	}
	res.Key = key.Secret
	return res, nil
}

// account is the owner of the demo feeds when they exist, else a new pro account.
func (d demo) account(ctx context.Context, firstSlug string) (uuid.UUID, error) {
	f, err := d.catalog.Lookup(ctx, firstSlug)
	if err == nil && f.OwnerAccountID != uuid.Nil {
		return f.OwnerAccountID, nil
	}
	if err != nil && !errors.Is(err, feeds.ErrNotFound) {
		return uuid.Nil, err
	}
	a, err := auth.NewAccounts(d.pool).Create(ctx, "kapi demo", auth.TierPro)
	if err != nil {
		return uuid.Nil, fmt.Errorf("demo account: %w", err)
	}
	return a.ID, nil
}

// feed creates (or finds) a demo feed, ingests its entries and subscribes the
// account; it returns the number of entries.
func (d demo) feed(ctx context.Context, account uuid.UUID, df demoFeed) (int, error) {
	f, err := d.catalog.Lookup(ctx, df.Slug)
	if errors.Is(err, feeds.ErrNotFound) {
		f, err = d.catalog.Create(ctx, feeds.NewFeed{Slug: df.Slug, Name: df.Name, Description: df.Description,
			LicensorName: df.LicensorName, Language: df.Language, OwnerAccountID: account})
	}
	if err != nil {
		return 0, err
	}
	r, err := search.NewEntryReader(bytes.NewReader(df.Entries))
	if err != nil {
		return 0, err
	}
	batch, _, err := search.ReadBatch(r, search.MaxBatch)
	if err != nil {
		return 0, err
	}
	if _, err := d.engine.Ingest(ctx, search.Feed{ID: f.ID, Language: f.Language}, batch); err != nil {
		return 0, err
	}
	if err := d.engine.DescribeCategories(ctx, f.ID, df.Categories); err != nil {
		return 0, err
	}
	if _, _, err := d.catalog.Subscribe(ctx, account, f.ID.String()); err != nil {
		return 0, err
	}
	return len(batch), nil
}

// dialAddr is where a client on this machine reaches a server listening on
// addr (KAPI_ADDR): an empty or wildcard host is localhost.
func dialAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
