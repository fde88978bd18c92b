package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kapi-project/kapi/migrations/pgtest"
)

func TestQuotaPeriodsAndRelease(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	clk := &clock{t: time.Date(2026, 1, 31, 23, 59, 59, 0, time.FixedZone("X", -5*3600))} // Feb 1 UTC
	pol := DefaultPolicy()
	pol.Tiers[TierStarter] = Plan{PerMinute: 10, PerMonth: 2}
	q := NewQuota(db, QuotaOptions{Policy: &pol, Now: clk.now})
	acc, err := NewAccounts(db).Create(context.Background(), "a", TierStarter)
	if err != nil {
		t.Fatal(err)
	}
	p := Principal{AccountID: acc.ID, Env: EnvLive, Tier: TierStarter}
	ctx := context.Background()

	r1, u, err := q.Reserve(ctx, p)
	if err != nil || u.Used != 1 || u.Limit != 2 || u.PeriodStart != time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) ||
		u.PeriodEnd != time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("first reserve: got %+v %v", u, err)
	}
	if _, u, err = q.Reserve(ctx, p); err != nil || u.Used != 2 {
		t.Fatalf("second reserve: got %+v %v", u, err)
	}
	_, u, err = q.Reserve(ctx, p)
	var le *LimitError
	if !errors.As(err, &le) || le.Kind != LimitMonth || !errors.Is(err, ErrRateLimited) || u.Remaining() != 0 {
		t.Fatalf("third reserve: got %+v %v, want a month LimitError", u, err)
	}
	if used, err := q.Release(ctx, r1); err != nil || used != 1 {
		t.Errorf("release: got %d %v, want 1", used, err)
	}
	if _, u, err = q.Reserve(ctx, p); err != nil || u.Used != 2 {
		t.Errorf("reserve after release: got %+v %v", u, err)
	}
	clk.add(29 * 24 * time.Hour) // March: a fresh period
	if u, err := q.Usage(ctx, p); err != nil || u.Used != 0 || u.PeriodStart.Month() != time.March {
		t.Errorf("new month: got %+v %v", u, err)
	}
	if _, u, err := q.Reserve(ctx, Principal{AccountID: acc.ID, Env: EnvTest, Tier: TierStarter}); err != nil ||
		u.Used != 1 || u.Limit != 1_000 {
		t.Errorf("test env: got %+v %v, want its own 1,000", u, err)
	}
}
