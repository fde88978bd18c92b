package auth

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Rate limiting: GCRA per account and key environment, burst = the per-minute
// limit. With a Redis client the state is shared by every instance; otherwise (or
// while Redis fails) it lives in this process.
const (
	// redisKeyPrefix namespaces limiter keys; redis_rate adds its own "rate:" in
	// front, so the Redis keys are rate:kapi:rl:<account uuid>:<env>. No secret.
	redisKeyPrefix = "kapi:rl:"
	// redisRetryAfter: after a Redis error the limiter stays in-process this long
	// before trying Redis again, so an outage does not add a timeout per request.
	redisRetryAfter = 5 * time.Second
	// downLogEvery: a Redis outage is logged at most this often.
	downLogEvery = time.Minute
	// maxLocalBuckets bounds the in-process state; idle buckets are dropped first.
	maxLocalBuckets = 100_000
)

// RateResult is the outcome of one admission against the per-minute limit, for
// the X-RateLimit-* headers.
type RateResult struct {
	Allowed    bool
	Limit      int
	Remaining  int
	RetryAfter time.Duration // > 0 only when refused
	Reset      time.Time     // when the bucket is full again
}

// LimiterOptions configures a Limiter. Zero values take the defaults.
type LimiterOptions struct {
	Redis  redis.UniversalClient // nil: in-process only
	Policy *Policy               // default DefaultPolicy()
	Now    func() time.Time      // default time.Now
	Logger *slog.Logger          // for Redis outages
}

// Limiter enforces the per-minute limits.
type Limiter struct {
	redis  *redis_rate.Limiter
	local  *localGCRA
	policy Policy
	now    func() time.Time
	logger *slog.Logger

	redisDownUntil atomic.Int64 // unix nanos; in-process until then
	lastDownLog    atomic.Int64 // unix nanos of the last outage log line
}

// NewLimiter returns a limiter, shared through Redis when opts.Redis is set.
func NewLimiter(opts LimiterOptions) *Limiter {
	l := &Limiter{local: newLocalGCRA(), policy: DefaultPolicy(), now: time.Now, logger: opts.Logger}
	if opts.Redis != nil {
		l.redis = redis_rate.NewLimiter(opts.Redis)
	}
	if opts.Policy != nil {
		l.policy = *opts.Policy
	}
	if opts.Now != nil {
		l.now = opts.Now
	}
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	return l
}

// Allow takes one request from p's per-minute allowance (shared by all keys of
// the account in p's environment). It never fails: when Redis errors, it falls
// back to the in-process limiter and logs that at most once a minute.
func (l *Limiter) Allow(ctx context.Context, p Principal) RateResult {
	limit := l.policy.PlanFor(p).PerMinute
	key := redisKeyPrefix + p.AccountID.String() + ":" + string(p.Env)
	now := l.now()
	if l.redis != nil && now.UnixNano() >= l.redisDownUntil.Load() {
		res, err := l.redis.Allow(ctx, key, redis_rate.PerMinute(limit))
		if err == nil {
			return fromRedis(res, limit, now)
		}
		if ctx.Err() == nil { // a gone client is not a Redis outage
			l.redisDown(now, err)
		}
	}
	return l.local.allow(key, limit, now)
}

func (l *Limiter) redisDown(now time.Time, err error) {
	l.redisDownUntil.Store(now.Add(redisRetryAfter).UnixNano())
	last := l.lastDownLog.Load()
	if now.UnixNano()-last >= int64(downLogEvery) && l.lastDownLog.CompareAndSwap(last, now.UnixNano()) {
		l.logger.Warn("rate limiter: Redis unavailable, limiting in-process", "error", err)
	}
}

func fromRedis(res *redis_rate.Result, limit int, now time.Time) RateResult {
	r := RateResult{Allowed: res.Allowed > 0, Limit: limit, Remaining: res.Remaining,
		Reset: now.Add(res.ResetAfter)}
	if !r.Allowed {
		r.RetryAfter = res.RetryAfter
	}
	return r
}

// localGCRA is the in-process GCRA: per key, the theoretical arrival time (TAT)
// of the next request; a request is allowed when TAT - now <= the burst window.
type localGCRA struct {
	mu  sync.Mutex
	tat map[string]time.Time
}

func newLocalGCRA() *localGCRA { return &localGCRA{tat: map[string]time.Time{}} }

func (g *localGCRA) allow(key string, limit int, now time.Time) RateResult {
	interval := time.Minute / time.Duration(limit) // emission interval
	window := time.Minute                          // burst = limit
	g.mu.Lock()
	defer g.mu.Unlock()
	tat := g.tat[key]
	if tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(interval)
	res := RateResult{Limit: limit}
	if diff := newTAT.Sub(now); diff > window {
		res.RetryAfter = diff - window
		res.Reset = tat
		res.Remaining = 0
		return res
	}
	g.prune(now)
	g.tat[key] = newTAT
	res.Allowed = true
	res.Reset = newTAT
	res.Remaining = int((window - newTAT.Sub(now)) / interval)
	return res
}

// prune drops idle buckets (TAT in the past: full again) when the map is large.
func (g *localGCRA) prune(now time.Time) {
	if len(g.tat) < maxLocalBuckets {
		return
	}
	for k, t := range g.tat {
		if !t.After(now) {
			delete(g.tat, k)
		}
	}
}
