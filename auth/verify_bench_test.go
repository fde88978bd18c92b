package auth

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkAuthenticateWarm is the in-process part of the hot path: a cached key
// verified (parse, SHA-256, constant-time compare, expiry checks) plus the
// in-process per-minute limiter. No I/O. Reports p50 and p99.
//
//	go test -run '^$' -bench BenchmarkAuthenticateWarm -count 5 ./auth/
func BenchmarkAuthenticateWarm(b *testing.B) {
	clk := &clock{t: time.Now()}
	keys, accounts, _ := newKeysTB(b, clk)
	ctx := context.Background()
	acc, err := accounts.Create(ctx, "bench", TierScale)
	if err != nil {
		b.Fatal(err)
	}
	k, err := keys.Create(ctx, KeySpec{AccountID: acc.ID})
	if err != nil {
		b.Fatal(err)
	}
	pol := DefaultPolicy()
	pol.Tiers[TierScale] = Plan{PerMinute: 1 << 30, PerMonth: 1 << 40}
	lim := NewLimiter(LimiterOptions{Policy: &pol, Now: clk.now})
	if _, err := keys.Authenticate(ctx, k.Secret); err != nil { // warms the cache
		b.Fatal(err)
	}
	d := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		p, err := keys.Authenticate(ctx, k.Secret)
		if err != nil || !lim.Allow(ctx, p).Allowed {
			b.Fatal("refused", err)
		}
		d = append(d, time.Since(start))
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(d[len(d)*99/100].Nanoseconds()), "p99-ns")
}
