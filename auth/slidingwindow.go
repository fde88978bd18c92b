package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// rateWindow is the window of a per-minute limit: no window of this length
// admits more requests than the limit.
const rateWindow = time.Minute

// windowScript is the sliding-window log in Redis: a sorted set per account
// and environment holding the admission times (ms, Redis's own clock, so
// instances' clocks need not agree) of the last window. It drops the times
// older than the window, admits when fewer than the limit remain, and
// answers {admitted, count, oldest, newest, now}.
var windowScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local admitted = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  count = count + 1
  admitted = 1
end
redis.call('PEXPIRE', KEYS[1], window)
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2] or now
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2] or now
return {admitted, count, tonumber(oldest), tonumber(newest), now}`)

// allowRedis runs windowScript for key.
func allowRedis(ctx context.Context, rdb redis.Scripter, key string, limit int) (RateResult, error) {
	member := make([]byte, 8)
	_, _ = rand.Read(member) // never fails
	v, err := windowScript.Run(ctx, rdb, []string{key}, rateWindow.Milliseconds(), limit, hex.EncodeToString(member)).Int64Slice()
	if err != nil {
		return RateResult{}, err
	}
	if len(v) != 5 {
		return RateResult{}, fmt.Errorf("rate limit script: %d values, want 5", len(v))
	}
	ms := func(x int64) time.Time { return time.UnixMilli(x) }
	return windowResult(v[0] == 1, int(v[1]), limit, ms(v[2]), ms(v[3]), ms(v[4])), nil
}

// windowResult is the outcome of one admission against a window holding
// count admissions (this one included when admitted), the oldest and
// newest at those times. Refused: retry when the oldest leaves the window.
// Reset: when the newest leaves it, and the whole allowance is back.
func windowResult(admitted bool, count, limit int, oldest, newest, now time.Time) RateResult {
	r := RateResult{Allowed: admitted, Limit: limit, Remaining: max(limit-count, 0), Reset: newest.Add(rateWindow)}
	if !admitted {
		r.RetryAfter = max(oldest.Add(rateWindow).Sub(now), time.Millisecond)
	}
	return r
}

// localWindow is the in-process sliding-window log: per key, the admission
// times of the last window, oldest first.
type localWindow struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func newLocalWindow() *localWindow { return &localWindow{times: map[string][]time.Time{}} }

func (w *localWindow) allow(key string, limit int, now time.Time) RateResult {
	w.mu.Lock()
	defer w.mu.Unlock()
	ts := expire(w.times[key], now)
	admitted := len(ts) < limit
	if admitted {
		w.prune(now)
		ts = append(ts, now)
	}
	w.times[key] = ts
	if len(ts) == 0 {
		return windowResult(admitted, 0, limit, now, now, now)
	}
	return windowResult(admitted, len(ts), limit, ts[0], ts[len(ts)-1], now)
}

// expire drops the times that have left the window ending at now.
func expire(ts []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-rateWindow)) {
		i++
	}
	return ts[i:]
}

// prune drops idle keys (nothing in the window) when the map is large.
func (w *localWindow) prune(now time.Time) {
	if len(w.times) < maxLocalBuckets {
		return
	}
	for k, ts := range w.times {
		if len(expire(ts, now)) == 0 {
			delete(w.times, k)
		}
	}
}
