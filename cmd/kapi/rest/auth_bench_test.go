package rest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/auth"
)

// BenchmarkAuthenticateAdmit measures the authentication + admission overhead per
// request through the HTTP handler, with the verification cache warm: key check
// (cached, constant-time hash compare), per-minute limit (in-process), scope and
// account checks, and the quota reservation (the one database round trip). The
// "baseline" sub-benchmark is the same handler behind no auth in the same run;
// the difference is the overhead. It reports p50 and p99 per request.
//
//	go test -run '^$' -bench BenchmarkAuthenticateAdmit -count 5 ./cmd/kapi/rest/
func BenchmarkAuthenticateAdmit(b *testing.B) {
	pol := *generous()
	for tier, plan := range pol.Tiers {
		plan.PerMonth = 1 << 40
		pol.Tiers[tier] = plan
	}
	as := newAuthServer(b, authOptions{policy: &pol})
	as.router.GET("/bench/open", as.handle(func(c *gin.Context) error {
		respond(c, http.StatusOK, reply{data: map[string]string{"ok": "yes"}})
		return nil
	}))
	as.router.GET("/bench/uncounted", as.authed("knowledge:read", accountChecked), as.handle(testHandler))
	acct := as.NewAccount(b, auth.TierScale, auth.AccountUpdate{})
	key := as.NewKey(b, auth.KeySpec{AccountID: acct}).Secret
	for _, bc := range []struct{ name, path, key string }{
		{"baseline", "/bench/open", ""},
		{"auth+limit+quota", "/test/counted", key},
		{"auth+limit+usage-read", "/bench/uncounted", key},
	} {
		b.Run(bc.name, func(b *testing.B) { benchRoute(b, as.Handler(), bc.path, bc.key) })
	}
}

func benchRoute(b *testing.B, h http.Handler, path, key string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	serve := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := serve(); code != http.StatusOK { // warms the cache
		b.Fatalf("warm-up: status %d", code)
	}
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if code := serve(); code != http.StatusOK {
			b.Fatalf("status %d", code)
		}
		durations = append(durations, time.Since(start))
	}
	reportPercentiles(b, durations)
}

func reportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
}
