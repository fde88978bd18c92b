package auth

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

func TestLocalWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	w := newLocalWindow()
	for i := range 10 {
		r := w.allow("k", 10, now.Add(time.Duration(i)*time.Second))
		if !r.Allowed || r.Remaining != 9-i {
			t.Fatalf("request %d: got %+v, want allowed with %d remaining", i+1, r, 9-i)
		}
	}
	r := w.allow("k", 10, now.Add(10*time.Second))
	if r.Allowed || r.RetryAfter != 50*time.Second || r.Remaining != 0 {
		t.Fatalf("11th: got %+v, want refused, retry after 50s (when the first leaves the window)", r)
	}
	if r := w.allow("k", 10, now.Add(59*time.Second)); r.Allowed {
		t.Errorf("59s after the first: got %+v, want refused: the window still holds 10", r)
	}
	if r := w.allow("k", 10, now.Add(60*time.Second)); !r.Allowed || r.Remaining != 0 {
		t.Errorf("60s after the first: got %+v, want allowed, none remaining", r)
	}
	if r := w.allow("other", 10, now); !r.Allowed || r.Remaining != 9 {
		t.Errorf("another key: got %+v, want its own window", r)
	}
	if r := w.allow("k", 10, now.Add(3*time.Minute)); !r.Allowed || r.Remaining != 9 {
		t.Errorf("after a quiet period: got %+v, want a full allowance", r)
	}
}

// TestNoWindowAdmitsMoreThanTheLimit: requests arriving at random through
// five minutes, far more than the limit: no 60-second window holds more
// admissions than the limit, and a steady client gets the whole limit.
func TestNoWindowAdmitsMoreThanTheLimit(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	w := newLocalWindow()
	var admitted []time.Time
	for at := start; at.Before(start.Add(5 * time.Minute)); at = at.Add(time.Duration(rng.IntN(3000)) * time.Millisecond) {
		if w.allow("k", 10, at).Allowed {
			admitted = append(admitted, at)
		}
	}
	for i, first := range admitted {
		n := 0
		for _, a := range admitted[i:] {
			if a.Before(first.Add(time.Minute)) {
				n++
			}
		}
		if n > 10 {
			t.Fatalf("the window from %s admitted %d, want at most 10", first.Format(time.TimeOnly), n)
		}
	}
	if len(admitted) < 45 {
		t.Errorf("admitted %d in five minutes, want about 50", len(admitted))
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
	key := redisKeyPrefix + p.AccountID.String() + ":live"
	if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 1 {
		t.Errorf("Redis key %s: exists %d, %v", key, n, err)
	}
	if a.redisDownUntil.Load() != 0 {
		t.Error("limiter fell back although Redis is up")
	}
}

// TestRedisWindow: in Redis too, the limit admits exactly the limit in a
// window and a refusal says to retry when the first admission leaves it.
func TestRedisWindow(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	t.Cleanup(func() { rdb.Close() })
	key := redisKeyPrefix + "test:" + uuid.NewString()
	for i := range 5 {
		r, err := allowRedis(context.Background(), rdb, key, 5)
		if err != nil || !r.Allowed || r.Remaining != 4-i {
			t.Fatalf("request %d: %+v, %v; want allowed with %d remaining", i+1, r, err, 4-i)
		}
	}
	r, err := allowRedis(context.Background(), rdb, key, 5)
	if err != nil || r.Allowed || r.RetryAfter < 55*time.Second || r.RetryAfter > time.Minute {
		t.Errorf("6th: %+v, %v; want refused, retry after about a minute", r, err)
	}
	if ttl := rdb.PTTL(context.Background(), key).Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("key TTL %s, want at most the window", ttl)
	}
}
