// Package kapitest is the one test world of kapi's two surfaces: the domain
// services and the request layer (cmd/kapi/api) over a test database, wired as
// `kapi serve` wires them, and a catalogue of accounts, keys, feeds and
// entries that REST's and MCP's scenarios share. Each surface's tests mount
// their router over World.API.
//
// Only tests import it. It imports neither surface, so that both may use it.
package kapitest

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/embed/embedtest"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/migrations/pgtest"
	"github.com/kapi-project/kapi/search"
)

// Options tune a World; zero values: a fresh test database, in-process limits,
// the real policy, no log.
type Options struct {
	DB *pgxpool.Pool
	// Embedder is the search engine's; nil: World.Embedder (a deterministic
	// fake).
	Embedder embed.Embedder
	Redis    redis.UniversalClient
	Policy   *auth.Policy
	Logger   *slog.Logger
}

// World is kapi's services over one test database. After Populate it also
// holds the catalogue.
type World struct {
	DB       *pgxpool.Pool
	Accounts *auth.Accounts
	Keys     *auth.Keys
	Catalog  *feeds.Catalog
	Engine   *search.Engine
	Embedder *embedtest.Embedder
	API      *api.Service

	// Account subscribes to alpha, beta and gone (archived); it owns every
	// feed Populate makes. Its keys: Full (knowledge:*, feeds:*, usage:read),
	// Reader (the default scopes) and Restricted (Full's scopes, allowed
	// category sleep). Single is a key with the default scopes of an account
	// subscribing to alpha only. Nobody subscribes to unsubscribed.
	Account                          uuid.UUID
	Full, Reader, Restricted, Single string
	// Feed and Entry: by slug, the feed and its first entry.
	Feed  map[string]feeds.Feed
	Entry map[string]uuid.UUID
}

// New wires the services over a test database.
func New(t testing.TB, o Options) *World {
	t.Helper()
	if o.DB == nil {
		o.DB = pgtest.New(t)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	w := &World{DB: o.DB, Accounts: auth.NewAccounts(o.DB), Catalog: feeds.New(o.DB), Embedder: embedtest.New(64),
		Keys: auth.NewKeys(o.DB, auth.KeysOptions{Logger: o.Logger}), Feed: map[string]feeds.Feed{}, Entry: map[string]uuid.UUID{}}
	t.Cleanup(w.Keys.Close) // before the pool closes
	w.Engine = search.New(o.DB, cmp.Or[embed.Embedder](o.Embedder, w.Embedder))
	w.API = api.New(api.Deps{Keys: w.Keys, Accounts: w.Accounts, Catalog: w.Catalog, Engine: w.Engine,
		Limiter: auth.NewLimiter(auth.LimiterOptions{Redis: o.Redis, Policy: o.Policy, Logger: o.Logger}),
		Quota:   auth.NewQuota(o.DB, auth.QuotaOptions{Policy: o.Policy})})
	return w
}

// Populate makes the catalogue: feeds alpha (6 entries), beta (3), gone (9,
// archived) and unsubscribed (2), their entries about sleep and diet, and the
// accounts and keys of World.
func (w *World) Populate(t testing.TB) *World {
	t.Helper()
	w.Account = w.NewAccount(t, auth.TierScale, auth.AccountUpdate{})
	scopes := []string{"knowledge:*", "feeds:*", "usage:read"}
	w.Full = w.NewKey(t, auth.KeySpec{AccountID: w.Account, Env: auth.EnvLive, Scopes: scopes}).Secret
	w.Reader = w.NewKey(t, auth.KeySpec{AccountID: w.Account, Env: auth.EnvLive}).Secret
	w.Restricted = w.NewKey(t, auth.KeySpec{AccountID: w.Account, Env: auth.EnvLive, Scopes: scopes,
		AllowedCategories: []string{"sleep"}}).Secret
	single := w.NewAccount(t, auth.TierScale, auth.AccountUpdate{})
	w.Single = w.NewKey(t, auth.KeySpec{AccountID: single, Env: auth.EnvLive}).Secret
	w.AddFeed(t, "alpha", 6, w.Account, single)
	w.AddFeed(t, "beta", 3, w.Account)
	w.AddFeed(t, "gone", 9, w.Account)
	w.AddFeed(t, "unsubscribed", 2)
	if _, err := w.Catalog.SetStatus(context.Background(), "gone", feeds.Archived); err != nil {
		t.Fatal(err)
	}
	return w
}

// NewAccount creates an account of tier and applies u.
func (w *World) NewAccount(t testing.TB, tier auth.Tier, u auth.AccountUpdate) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	acc, err := w.Accounts.Create(ctx, "acct-"+uuid.NewString()[:8], tier)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Accounts.Update(ctx, acc.ID, u); err != nil {
		t.Fatal(err)
	}
	return acc.ID
}

// NewKey creates a key as an operator would.
func (w *World) NewKey(t testing.TB, spec auth.KeySpec) auth.NewKey {
	t.Helper()
	k, err := w.Keys.Create(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// AddFeed creates a feed owned by Account with n entries (categories sleep and
// diet, confidence 0.5 and 0.6, alternating) and subscribes the accounts.
func (w *World) AddFeed(t testing.TB, slug string, n int, subscribers ...uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	f, err := w.Catalog.Create(ctx, feeds.NewFeed{Slug: slug, Name: "Feed " + slug, OwnerAccountID: w.Account})
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]search.NewEntry, n)
	for i := range batch {
		batch[i] = search.NewEntry{ExternalID: fmt.Sprint(i), Title: fmt.Sprintf("%s entry %d", slug, i),
			Content: "Sleep and diet advice.", Category: []string{"sleep", "diet"}[i%2], Confidence: new(0.5 + 0.1*float64(i%2))}
	}
	res, err := w.Engine.Ingest(ctx, search.Feed{ID: f.ID, Language: f.Language}, batch)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range subscribers {
		if _, _, err := w.Catalog.Subscribe(ctx, a, slug); err != nil {
			t.Fatal(err)
		}
	}
	f.EntryCount = int64(n)
	w.Feed[slug], w.Entry[slug] = f, res[0].ID
}

// Used reads an account's counter of this month in env.
func (w *World) Used(t testing.TB, account uuid.UUID, env auth.Env) int64 {
	t.Helper()
	var n int64
	err := w.DB.QueryRow(context.Background(), `SELECT coalesce(sum(queries_used), 0) FROM usage_counters
		WHERE account_id = $1 AND env = $2`, account, env).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// SetUsed sets an account's counter of this month in env.
func (w *World) SetUsed(t testing.TB, account uuid.UUID, env auth.Env, n int64) {
	t.Helper()
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	_, err := w.DB.Exec(context.Background(), `INSERT INTO usage_counters (account_id, env, period_start, queries_used)
		VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, env, period_start) DO UPDATE SET queries_used = $4`,
		account, env, start, n)
	if err != nil {
		t.Fatal(err)
	}
}

// Generous is the default policy with per-minute limits scenarios never reach.
func Generous() *auth.Policy { return WithPerMinute(100_000) }

// WithPerMinute is the default policy with every per-minute limit set to n.
func WithPerMinute(n int) *auth.Policy {
	pol := auth.DefaultPolicy()
	for tier, plan := range pol.Tiers {
		plan.PerMinute = n
		pol.Tiers[tier] = plan
	}
	pol.Test.PerMinute = n
	return &pol
}
