package rest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/kapi-project/kapi/auth"
)

func TestRateLimitExceeded(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, authOptions{}) // the real policy: starter 10/min
	acct := as.NewAccount(t, auth.TierStarter, auth.AccountUpdate{})
	k1 := as.NewKey(t, auth.KeySpec{AccountID: acct})
	k2 := as.NewKey(t, auth.KeySpec{AccountID: acct}) // same account: same bucket
	for i := range 10 {
		key := k1.Secret
		if i%2 == 1 {
			key = k2.Secret
		}
		rec, _ := as.do(t, http.MethodGet, "/api/v1/usage", bearer(key), "")
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d: got %d, want 200: %s", i+1, rec.Code, rec.Body)
		}
		if got, want := rec.Header().Get("X-RateLimit-Remaining"), strconv.Itoa(9-i); got != want {
			t.Errorf("request %d: X-RateLimit-Remaining got %s, want %s", i+1, got, want)
		}
	}
	rec, env := as.do(t, http.MethodGet, "/test/counted", bearer(k1.Secret), "")
	if rec.Code != http.StatusTooManyRequests || env.Error == nil || env.Error.Code != "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("11th request: got %d %+v, want 429 RATE_LIMIT_EXCEEDED", rec.Code, env.Error)
	}
	if env.Error.Details["limit"] != "minute" {
		t.Errorf("details.limit: got %v, want minute", env.Error.Details["limit"])
	}
	h := rec.Header()
	retry, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || retry < 1 || retry > 60 {
		t.Errorf("Retry-After: got %q, want 1..60 seconds", h.Get("Retry-After"))
	}
	reset, _ := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	if h.Get("X-RateLimit-Limit") != "10" || h.Get("X-RateLimit-Remaining") != "0" || reset < time.Now().Unix() {
		t.Errorf("headers: got limit %s remaining %s reset %d", h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"), reset)
	}
	assertAuthHeaders(t, h, env.Meta, true)
	if got := as.Used(t, acct, auth.EnvLive); got != 0 {
		t.Errorf("a refused request used quota: queries_used %d", got)
	}
	// Test keys have their own bucket with the starter limit.
	test := as.NewKey(t, auth.KeySpec{AccountID: acct, Env: auth.EnvTest})
	if rec, _ := as.do(t, http.MethodGet, "/api/v1/usage", bearer(test.Secret), ""); rec.Code != http.StatusOK ||
		rec.Header().Get("X-RateLimit-Limit") != "10" {
		t.Errorf("test key: got %d limit %s, want 200 limit 10", rec.Code, rec.Header().Get("X-RateLimit-Limit"))
	}
}

func TestQuotaCounting(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, authOptions{policy: generous()})
	acct := as.NewAccount(t, auth.TierScale, auth.AccountUpdate{})
	live := as.NewKey(t, auth.KeySpec{AccountID: acct})
	test := as.NewKey(t, auth.KeySpec{AccountID: acct, Env: auth.EnvTest})
	tests := []struct {
		name              string
		key, path         string
		wantStatus        int
		wantLive, wantTst int64
		wantMetaUsed      float64
		wantMetaLimit     float64
	}{
		{"success uses a unit", live.Secret, "/test/counted", 200, 1, 0, 1, 50_000},
		{"failure uses none", live.Secret, "/test/counted?fail=1", 400, 1, 0, 1, 50_000},
		{"not-counted route uses none", live.Secret, "/test/checked", 200, 1, 0, 1, 50_000},
		{"usage costs nothing", live.Secret, "/api/v1/usage", 200, 1, 0, 1, 50_000},
		{"second success", live.Secret, "/test/counted", 200, 2, 0, 2, 50_000},
		{"test key counts apart", test.Secret, "/test/counted", 200, 2, 1, 1, 1_000},
		{"test key failure", test.Secret, "/test/counted?fail=1", 400, 2, 1, 1, 1_000},
	}
	for _, tt := range tests {
		rec, env := as.do(t, http.MethodGet, tt.path, bearer(tt.key), "")
		if rec.Code != tt.wantStatus {
			t.Fatalf("%s: status got %d, want %d: %s", tt.name, rec.Code, tt.wantStatus, rec.Body)
		}
		gotLive, gotTest := as.Used(t, acct, auth.EnvLive), as.Used(t, acct, auth.EnvTest)
		if gotLive != tt.wantLive || gotTest != tt.wantTst {
			t.Errorf("%s: counters got live %d test %d, want %d %d", tt.name, gotLive, gotTest, tt.wantLive, tt.wantTst)
		}
		if env.Meta["queries_used"] != tt.wantMetaUsed || env.Meta["queries_limit"] != tt.wantMetaLimit ||
			env.Meta["queries_remaining"] != tt.wantMetaLimit-tt.wantMetaUsed {
			t.Errorf("%s: meta got %v, want used %v of %v", tt.name, env.Meta, tt.wantMetaUsed, tt.wantMetaLimit)
		}
	}
}

func TestQuotaExhausted(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, authOptions{policy: generous()})
	acct := as.NewAccount(t, auth.TierStarter, auth.AccountUpdate{})
	live := as.NewKey(t, auth.KeySpec{AccountID: acct})
	as.SetUsed(t, acct, auth.EnvLive, 1_000)
	rec, env := as.do(t, http.MethodGet, "/test/counted", bearer(live.Secret), "")
	if rec.Code != http.StatusTooManyRequests || env.Error == nil || env.Error.Details["limit"] != "month" {
		t.Fatalf("got %d %+v, want 429 with details.limit month", rec.Code, env.Error)
	}
	if ra, _ := strconv.Atoi(rec.Header().Get("Retry-After")); ra < 1 || ra > 31*24*3600 {
		t.Errorf("Retry-After: got %q", rec.Header().Get("Retry-After"))
	}
	if env.Meta["queries_used"] != 1000.0 || env.Meta["queries_remaining"] != 0.0 {
		t.Errorf("meta: got %v, want 1000 used, 0 remaining", env.Meta)
	}
	if got := as.Used(t, acct, auth.EnvLive); got != 1_000 {
		t.Errorf("queries_used: got %d, want 1000", got)
	}
	// Not-counted routes still answer, and test keys have their own allowance.
	if rec, _ := as.do(t, http.MethodGet, "/api/v1/usage", bearer(live.Secret), ""); rec.Code != http.StatusOK {
		t.Errorf("/usage with quota used up: got %d, want 200", rec.Code)
	}
	test := as.NewKey(t, auth.KeySpec{AccountID: acct, Env: auth.EnvTest})
	if rec, _ := as.do(t, http.MethodGet, "/test/counted", bearer(test.Secret), ""); rec.Code != http.StatusOK {
		t.Errorf("test key with the live quota used up: got %d, want 200", rec.Code)
	}
}

func TestUsageEndpoint(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, authOptions{policy: generous()})
	acct := as.NewAccount(t, auth.TierPro, auth.AccountUpdate{})
	live := as.NewKey(t, auth.KeySpec{AccountID: acct})
	as.SetUsed(t, acct, auth.EnvLive, 42)
	rec, env := as.do(t, http.MethodGet, "/api/v1/usage", bearer(live.Secret), "")
	if rec.Code != http.StatusOK {
		t.Fatalf("got %d: %s", rec.Code, rec.Body)
	}
	var data map[string]any
	if err := json.Unmarshal(env.Data, &data); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	want := map[string]any{"queries_used": 42.0, "queries_limit": 10000.0, "queries_remaining": 9958.0,
		"period_start": start.Format(time.RFC3339), "period_end": start.AddDate(0, 1, 0).Format(time.RFC3339), "tier": "pro"}
	for k, v := range want {
		if data[k] != v || env.Meta[k] != v {
			t.Errorf("%s: data %v, meta %v, want %v", k, data[k], env.Meta[k], v)
		}
	}
	if got := as.Used(t, acct, auth.EnvLive); got != 42 {
		t.Errorf("/usage used a unit: %d", got)
	}
}
