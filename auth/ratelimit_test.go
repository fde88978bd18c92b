package auth

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

func TestLocalGCRA(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	g := newLocalGCRA()
	for i := range 10 {
		r := g.allow("k", 10, now)
		if !r.Allowed || r.Remaining != 9-i {
			t.Fatalf("request %d: got %+v, want allowed with %d remaining", i+1, r, 9-i)
		}
	}
	r := g.allow("k", 10, now)
	if r.Allowed || r.RetryAfter != 6*time.Second || r.Remaining != 0 {
		t.Fatalf("11th: got %+v, want refused, retry after 6s", r)
	}
	if r := g.allow("k", 10, now.Add(6*time.Second)); !r.Allowed {
		t.Errorf("after the emission interval: got %+v, want allowed", r)
	}
	if r := g.allow("other", 10, now); !r.Allowed || r.Remaining != 9 {
		t.Errorf("another key: got %+v, want its own bucket", r)
	}
	if r := g.allow("k", 10, now.Add(2*time.Minute)); !r.Allowed || r.Remaining != 9 {
		t.Errorf("after a quiet period: got %+v, want a full bucket", r)
	}
}

func TestPolicyPlanFor(t *testing.T) {
	t.Parallel()
	pol := DefaultPolicy()
	tests := []struct {
		tier   Tier
		env    Env
		minute int
		month  int64
	}{
		{TierStarter, EnvLive, 10, 1_000},
		{TierPro, EnvLive, 30, 10_000},
		{TierScale, EnvLive, 100, 50_000},
		{TierScale, EnvTest, 10, 1_000},
		{TierPro, EnvTest, 10, 1_000},
	}
	for _, tt := range tests {
		got := pol.PlanFor(Principal{Tier: tt.tier, Env: tt.env})
		if got.PerMinute != tt.minute || got.PerMonth != tt.month {
			t.Errorf("%s/%s: got %+v, want %d/min %d/month", tt.tier, tt.env, got, tt.minute, tt.month)
		}
	}
}

// TestRedisLimiterIsShared: two limiters (two instances) on one Redis share one
// bucket per account; the key holds no secret and is namespaced.
func TestRedisLimiterIsShared(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	t.Cleanup(func() { rdb.Close() })
	a, b := NewLimiter(LimiterOptions{Redis: rdb}), NewLimiter(LimiterOptions{Redis: rdb})
	p := Principal{AccountID: uuid.New(), Env: EnvLive, Tier: TierStarter}
	ctx := context.Background()
	allowed := 0
	for i := range 16 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if l.Allow(ctx, p).Allowed {
			allowed++
		}
	}
	if allowed != 10 {
		t.Errorf("two limiters admitted %d, want 10", allowed)
	}
	key := "rate:" + redisKeyPrefix + p.AccountID.String() + ":live"
	if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 1 {
		t.Errorf("Redis key %s: exists %d, %v", key, n, err)
	}
	if a.redisDownUntil.Load() != 0 {
		t.Error("limiter fell back although Redis is up")
	}
}
