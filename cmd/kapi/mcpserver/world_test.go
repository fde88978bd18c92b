package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/rest"
	"github.com/kapi-project/kapi/embed/embedtest"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/migrations/pgtest"
	"github.com/kapi-project/kapi/search"
)

// world is a running kapi for MCP tests: REST's router and the MCP handler over
// one test database, sharing one limiter and one quota as serve wires them, on a
// real HTTP server; plus accounts, keys and feeds.
type world struct {
	db       *pgxpool.Pool
	url      string // the server's base URL
	accounts *auth.Accounts
	keys     *auth.Keys
	catalog  *feeds.Catalog
	engine   *search.Engine

	account uuid.UUID            // subscribes to alpha, beta and gone
	full    string               // knowledge:*, feeds:*, usage:read
	reader  string               // the default scopes (no feeds:write)
	sleepy  string               // full scopes, allowed_categories [sleep]
	feed    map[string]uuid.UUID // slug → feed id
	entry   map[string]uuid.UUID // slug → one entry id
}

// newWorld starts the servers with pol's limits (nil: limits tests never reach).
func newWorld(t *testing.T, pol *auth.Policy) *world {
	t.Helper()
	if pol == nil {
		pol = generous()
	}
	db := pgtest.New(t)
	w := &world{db: db, accounts: auth.NewAccounts(db), catalog: feeds.New(db),
		engine: search.New(db, embedtest.New(64)), feed: map[string]uuid.UUID{}, entry: map[string]uuid.UUID{}}
	w.keys = auth.NewKeys(db, auth.KeysOptions{})
	t.Cleanup(w.keys.Close)
	limiter := auth.NewLimiter(auth.LimiterOptions{Policy: pol})
	quota := auth.NewQuota(db, auth.QuotaOptions{Policy: pol})
	api := rest.New(rest.Deps{DB: db, Catalog: w.catalog, Engine: w.engine, Keys: w.keys,
		Accounts: w.accounts, Limiter: limiter, Quota: quota})
	agents := New(Deps{Keys: w.keys, Gate: auth.NewGate(limiter, quota), Catalog: w.catalog, Engine: w.engine})
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/mcp" {
			agents.ServeHTTP(rw, r)
			return
		}
		api.Handler().ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	w.url = srv.URL
	w.populate(t)
	return w
}

// populate creates the account, its keys and the feeds.
func (w *world) populate(t *testing.T) {
	t.Helper()
	w.account = w.newAccount(t, auth.TierScale, auth.AccountUpdate{})
	scopes := []string{"knowledge:*", "feeds:*", "usage:read"}
	w.full = w.newKey(t, auth.KeySpec{AccountID: w.account, Env: auth.EnvLive, Scopes: scopes})
	w.reader = w.newKey(t, auth.KeySpec{AccountID: w.account, Env: auth.EnvLive})
	w.sleepy = w.newKey(t, auth.KeySpec{AccountID: w.account, Env: auth.EnvLive, Scopes: scopes,
		AllowedCategories: []string{"sleep"}})
	w.addFeed(t, "alpha", 6, w.account)
	w.addFeed(t, "beta", 3, w.account)
	w.addFeed(t, "gone", 2, w.account)
	w.addFeed(t, "other", 2)
	if _, err := w.catalog.SetStatus(context.Background(), "gone", feeds.Archived); err != nil {
		t.Fatal(err)
	}
}

func (w *world) newAccount(t *testing.T, tier auth.Tier, u auth.AccountUpdate) uuid.UUID {
	t.Helper()
	acc, err := w.accounts.Create(context.Background(), "acct-"+uuid.NewString()[:8], tier)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.accounts.Update(context.Background(), acc.ID, u); err != nil {
		t.Fatal(err)
	}
	return acc.ID
}

func (w *world) newKey(t *testing.T, spec auth.KeySpec) string {
	t.Helper()
	k, err := w.keys.Create(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	return k.Secret
}

// addFeed creates a feed with n entries about sleep and diet (alternating
// categories) and subscribes the accounts.
func (w *world) addFeed(t *testing.T, slug string, n int, subscribers ...uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	f, err := w.catalog.Create(ctx, feeds.NewFeed{Slug: slug, Name: "Feed " + slug})
	if err != nil {
		t.Fatal(err)
	}
	var batch []search.NewEntry
	for i := range n {
		batch = append(batch, search.NewEntry{ExternalID: fmt.Sprint(i), Title: fmt.Sprintf("%s entry %d", slug, i),
			Content: "Sleep and diet advice.", Category: []string{"sleep", "diet"}[i%2], Confidence: new(0.5 + 0.1*float64(i%2))})
	}
	res, err := w.engine.Ingest(ctx, search.Feed{ID: f.ID, Language: f.Language}, batch)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range subscribers {
		if _, _, err := w.catalog.Subscribe(ctx, a, slug); err != nil {
			t.Fatal(err)
		}
	}
	w.feed[slug], w.entry[slug] = f.ID, res[0].ID
}

// bearerTransport adds an Authorization header to every request.
type bearerTransport struct{ key string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return http.DefaultTransport.RoundTrip(r)
}

// connect opens an MCP session with the SDK's own client over HTTP, as key.
func (w *world) connect(t *testing.T, key string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "kapi-test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: w.url + "/api/mcp",
		HTTPClient: &http.Client{Transport: bearerTransport{key}}}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// callTool calls a tool and returns the result; a JSON-RPC error fails the test.
func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): %v", name, args, err)
	}
	return res
}

// structured decodes a result's structured content, checking that
// content[0].text holds the same JSON.
func structured(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var got, text map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("structured content %s: %v", raw, err)
	}
	if len(res.Content) == 0 {
		t.Fatal("result has no content")
	}
	tc, ok := res.Content[0].(*mcp.TextContent)
	if !ok {
		t.Fatalf("content[0] is %T, want text", res.Content[0])
	}
	if err := json.Unmarshal([]byte(tc.Text), &text); err != nil {
		t.Fatalf("content[0].text is not JSON: %q", tc.Text)
	}
	if a, b := fmt.Sprint(text), fmt.Sprint(got); a != b {
		t.Errorf("content[0].text = %s, structured content = %s; want the same object", a, b)
	}
	return got
}

// used reads the account's live counter for this month.
func (w *world) used(t *testing.T, account uuid.UUID) int64 {
	t.Helper()
	var n int64
	err := w.db.QueryRow(context.Background(), `SELECT coalesce(sum(queries_used), 0) FROM usage_counters
		WHERE account_id = $1 AND env = 'live'`, account).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// setUsed sets this month's live counter.
func (w *world) setUsed(t *testing.T, account uuid.UUID, n int64) {
	t.Helper()
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	_, err := w.db.Exec(context.Background(), `INSERT INTO usage_counters (account_id, env, period_start, queries_used)
		VALUES ($1, 'live', $2, $3) ON CONFLICT (account_id, env, period_start) DO UPDATE SET queries_used = $3`,
		account, start, n)
	if err != nil {
		t.Fatal(err)
	}
}

// generous is a policy whose per-minute limits tests never reach.
func generous() *auth.Policy {
	return withPerMinute(100_000)
}

// withPerMinute is the default policy with every per-minute limit set to n.
func withPerMinute(n int) *auth.Policy {
	pol := auth.DefaultPolicy()
	for tier, plan := range pol.Tiers {
		plan.PerMinute = n
		pol.Tiers[tier] = plan
	}
	pol.Test.PerMinute = n
	return &pol
}
