package auth

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Rate limiting: a sliding-window log per account and key environment, so that
// no 60-second window admits more than the per-minute limit (a token bucket
// would admit a full burst and then its refill). With a Redis client the log
// is shared by every instance; otherwise (or while Redis fails) it lives in
// this process.
const (
	// redisKeyPrefix namespaces limiter keys: rate:kapi:sw:<account uuid>:<env>,
	// sorted sets of admission times. No secret.
	redisKeyPrefix = "rate:kapi:sw:"
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
	redis  redis.Scripter
	local  *localWindow
	policy Policy
	now    func() time.Time
	logger *slog.Logger

	redisDownUntil atomic.Int64 // unix nanos; in-process until then
	lastDownLog    atomic.Int64 // unix nanos of the last outage log line
}

// NewLimiter returns a limiter, shared through Redis when opts.Redis is set.
func NewLimiter(opts LimiterOptions) *Limiter {
	l := &Limiter{local: newLocalWindow(), policy: DefaultPolicy(), now: time.Now, logger: opts.Logger}
	if opts.Redis != nil {
		l.redis = opts.Redis
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
		res, err := allowRedis(ctx, l.redis, key, limit)
		if err == nil {
			return res
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
