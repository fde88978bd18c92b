package rest

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/embed/embedtest"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/migrations/pgtest"
	"github.com/kapi-project/kapi/search"
)

// authOptions tunes an authServer; zero values: a fresh database, in-process
// limits, the real policy and clock.
type authOptions struct {
	db     *pgxpool.Pool
	redis  redis.UniversalClient
	policy *auth.Policy
	logs   *syncBuffer
}

// authServer is a Server with the auth services over a test database, plus the
// test-only routes /test/counted (knowledge:read, counted|accountChecked; fails
// with ?fail=1) and /test/checked (knowledge:read, accountChecked, not counted).
type authServer struct {
	*testServer
	db       *pgxpool.Pool
	accounts *auth.Accounts
	keys     *auth.Keys
	quota    *auth.Quota
	logs     *syncBuffer
	embedder *embedtest.Embedder
}

func newAuthServer(t testing.TB, o authOptions) *authServer {
	t.Helper()
	if o.db == nil {
		o.db = pgtest.New(t)
	}
	if o.logs == nil {
		o.logs = &syncBuffer{}
	}
	logger := slog.New(slog.NewJSONHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	keys := auth.NewKeys(o.db, auth.KeysOptions{Logger: logger})
	t.Cleanup(keys.Close) // before the pool closes
	quota := auth.NewQuota(o.db, auth.QuotaOptions{Policy: o.policy})
	emb := embedtest.New(64)
	s := New(Deps{DB: o.db, Logger: logger, Version: "test", Keys: keys, Quota: quota,
		Catalog: feeds.New(o.db), Engine: search.New(o.db, emb), Accounts: auth.NewAccounts(o.db),
		Limiter: auth.NewLimiter(auth.LimiterOptions{Redis: o.redis, Policy: o.policy, Logger: logger})})
	s.router.GET("/test/counted", s.authed("knowledge:read", counted|accountChecked), s.handle(testHandler))
	s.router.GET("/test/checked", s.authed("knowledge:read", accountChecked), s.handle(testHandler))
	return &authServer{testServer: &testServer{Server: s, logs: &o.logs.Buffer}, db: o.db, embedder: emb,
		accounts: auth.NewAccounts(o.db), keys: keys, quota: quota, logs: o.logs}
}

func testHandler(c *gin.Context) error {
	if c.Query("fail") != "" {
		return validationError("fail", "failing on request", nil)
	}
	respond(c, http.StatusOK, map[string]string{"account": principal(c).AccountID.String()}, nil)
	return nil
}

// account creates an account of tier and applies u.
func (as *authServer) account(t testing.TB, tier auth.Tier, u auth.AccountUpdate) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	acc, err := as.accounts.Create(ctx, "acct-"+uuid.NewString()[:8], tier)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.accounts.Update(ctx, acc.ID, u); err != nil {
		t.Fatal(err)
	}
	return acc.ID
}

// key creates a key and returns the full key and its record.
func (as *authServer) key(t testing.TB, spec auth.KeySpec) auth.NewKey {
	t.Helper()
	k, err := as.keys.Create(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func bearer(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

// used reads usage_counters directly.
func (as *authServer) used(t testing.TB, account uuid.UUID, env auth.Env) int64 {
	t.Helper()
	var n int64
	err := as.db.QueryRow(context.Background(), `SELECT coalesce(sum(queries_used), 0) FROM usage_counters
		WHERE account_id = $1 AND env = $2`, account, env).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// setUsed sets this month's counter.
func (as *authServer) setUsed(t testing.TB, account uuid.UUID, env auth.Env, n int64) {
	t.Helper()
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	_, err := as.db.Exec(context.Background(), `INSERT INTO usage_counters (account_id, env, period_start, queries_used)
		VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, env, period_start) DO UPDATE SET queries_used = $4`,
		account, env, start, n)
	if err != nil {
		t.Fatal(err)
	}
}

// generous is a policy whose limits scenario tests never reach.
func generous() *auth.Policy {
	pol := auth.DefaultPolicy()
	for tier, plan := range pol.Tiers {
		plan.PerMinute = 100_000
		pol.Tiers[tier] = plan
	}
	pol.Test.PerMinute = 100_000
	return &pol
}

// syncBuffer is a bytes.Buffer safe for concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}
