package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/migrations/pgtest"
)

// clock is a settable now func for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newKeys(t *testing.T, clk *clock) (*Keys, *Accounts, *pgxpool.Pool) {
	t.Helper()
	return newKeysTB(t, clk)
}

func newKeysTB(tb testing.TB, clk *clock) (*Keys, *Accounts, *pgxpool.Pool) {
	tb.Helper()
	db := pgtest.New(tb)
	k := NewKeys(db, KeysOptions{Now: clk.now})
	tb.Cleanup(k.Close)
	return k, NewAccounts(db), db
}

func mustAccount(t *testing.T, a *Accounts) Account {
	t.Helper()
	acc, err := a.Create(context.Background(), "acme", TierPro)
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func TestAuthenticateSeesChangesWithinTTL(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	keys, accounts, _ := newKeys(t, clk)
	ctx := context.Background()
	acc := mustAccount(t, accounts)
	k, err := keys.Create(ctx, KeySpec{AccountID: acc.ID})
	if err != nil {
		t.Fatal(err)
	}
	p, err := keys.Authenticate(ctx, k.Secret)
	if err != nil || p.AccountID != acc.ID || p.KeyID != k.ID || p.Tier != TierPro || !p.TermsAccepted ||
		p.SubscriptionStatus != StatusActive || p.Env != EnvLive {
		t.Fatalf("got %+v %v", p, err)
	}
	// Another instance revokes the key and downgrades the account: this one
	// notices within the TTL.
	other := NewKeys(keys.db, KeysOptions{})
	defer other.Close()
	if _, err := other.Revoke(ctx, uuid.Nil, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Authenticate(ctx, k.Secret); err != nil {
		t.Fatalf("within the TTL the cached record answers: %v", err)
	}
	clk.add(defaultCacheTTL)
	if _, err := keys.Authenticate(ctx, k.Secret); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("after the TTL: got %v, want ErrUnauthorized", err)
	}
}

func TestLastUsedWrittenOncePerMinute(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	keys, accounts, db := newKeys(t, clk)
	ctx := context.Background()
	k, err := keys.Create(ctx, KeySpec{AccountID: mustAccount(t, accounts).ID})
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() *time.Time {
		var at *time.Time
		if err := db.QueryRow(ctx, `SELECT last_used_at FROM api_keys WHERE id = $1`, k.ID).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	first := clk.now()
	for range 5 {
		if _, err := keys.Authenticate(ctx, k.Secret); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Second)
	}
	keys.mu.Lock()
	pending := len(keys.pending)
	keys.mu.Unlock()
	keys.flush()
	if at := lastUsed(); pending != 1 || at == nil || !at.Equal(first.Truncate(time.Microsecond)) {
		t.Errorf("after 5 uses in 5 s: pending %d, last_used_at %v, want one write of %v", pending, at, first)
	}
	clk.add(time.Minute)
	if _, err := keys.Authenticate(ctx, k.Secret); err != nil {
		t.Fatal(err)
	}
	keys.Close() // flushes
	if at := lastUsed(); at == nil || !at.After(first) {
		t.Errorf("a minute later: last_used_at %v, want it moved on", at)
	}
}

func TestRotateGrace(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	keys, accounts, _ := newKeys(t, clk)
	ctx := context.Background()
	acc := mustAccount(t, accounts)
	old, err := keys.Create(ctx, KeySpec{AccountID: acc.ID, Name: "svc", Scopes: []string{"knowledge:*"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Rotate(ctx, uuid.New(), old.ID, time.Hour); !errors.Is(err, ErrNotFound) {
		t.Errorf("rotate by another account: got %v, want ErrNotFound", err)
	}
	succ, err := keys.Rotate(ctx, acc.ID, old.ID, time.Hour)
	if err != nil || succ.Name != "svc" || succ.Scopes[0] != "knowledge:*" || *succ.RotatedFrom != old.ID {
		t.Fatalf("rotate: got %+v %v", succ.Key, err)
	}
	for _, k := range []string{old.Secret, succ.Secret} {
		if _, err := keys.Authenticate(ctx, k); err != nil {
			t.Errorf("during the grace period: %v", err)
		}
	}
	clk.add(time.Hour + MaxCacheTTL)
	if _, err := keys.Authenticate(ctx, old.Secret); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("old key after the grace period: got %v, want ErrUnauthorized", err)
	}
	if _, err := keys.Authenticate(ctx, succ.Secret); err != nil {
		t.Errorf("successor after the grace period: %v", err)
	}
	if _, err := keys.Revoke(ctx, acc.ID, old.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Rotate(ctx, acc.ID, old.ID, 0); !errors.Is(err, ErrKeyRevoked) {
		t.Errorf("rotate a revoked key: got %v, want ErrKeyRevoked", err)
	}
}

func TestKeyCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := newKeyCache(100, time.Second)
	now := time.Now()
	for i := range 1_000 {
		c.put(uuid.NewString(), &keyRecord{}, now)
		if len(c.entries) > 100 {
			t.Fatalf("after %d puts the cache holds %d records, want at most 100", i+1, len(c.entries))
		}
	}
	c.put("fresh", &keyRecord{found: true}, now)
	if c.get("fresh", now.Add(999*time.Millisecond)) == nil || c.get("fresh", now.Add(time.Second)) != nil {
		t.Error("a record must live exactly its TTL")
	}
}

func TestAccountsValidate(t *testing.T) {
	t.Parallel()
	_, accounts, _ := newKeys(t, &clock{t: time.Now()})
	ctx := context.Background()
	bad := Tier("gold")
	status := "frozen"
	if _, err := accounts.Create(ctx, "", TierPro); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty name: got %v", err)
	}
	if _, err := accounts.Create(ctx, "x", bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad tier: got %v", err)
	}
	acc := mustAccount(t, accounts)
	if _, err := accounts.Update(ctx, acc.ID, AccountUpdate{Status: &status}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad status: got %v", err)
	}
	if _, err := accounts.Update(ctx, uuid.New(), AccountUpdate{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown account: got %v", err)
	}
}
