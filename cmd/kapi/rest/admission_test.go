package rest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/kapi-project/kapi/auth"
)

// TestQuotaConcurrency: 200 parallel quota-counted requests with 50 units left →
// exactly 50 succeed and queries_used ends at the limit.
func TestQuotaConcurrency(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, authOptions{policy: generous()})
	acct := as.NewAccount(t, auth.TierStarter, auth.AccountUpdate{})
	live := as.NewKey(t, auth.KeySpec{AccountID: acct})
	as.SetUsed(t, acct, auth.EnvLive, 950)

	codes := make([]int, 200)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() {
			req := httptest.NewRequest(http.MethodGet, "/test/counted", nil)
			req.Header.Set("Authorization", "Bearer "+live.Secret)
			rec := httptest.NewRecorder()
			as.Handler().ServeHTTP(rec, req)
			codes[i] = rec.Code
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[http.StatusOK] != 50 || count[http.StatusTooManyRequests] != 150 {
		t.Errorf("got %v, want 50 × 200 and 150 × 429", count)
	}
	if got := as.Used(t, acct, auth.EnvLive); got != 1_000 {
		t.Errorf("queries_used: got %d, want 1000", got)
	}
}

// TestRedisDownFallsBack: with Redis unreachable, requests are still admitted
// and limited in-process, and the outage is logged once, not per request.
func TestRedisDownFallsBack(t *testing.T) {
	t.Parallel()
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { down.Close() })
	as := newAuthServer(t, authOptions{redis: down})
	acct := as.NewAccount(t, auth.TierStarter, auth.AccountUpdate{})
	live := as.NewKey(t, auth.KeySpec{AccountID: acct})
	codes := map[int]int{}
	for range 12 {
		rec, _ := as.do(t, http.MethodGet, "/api/v1/usage", bearer(live.Secret), "")
		codes[rec.Code]++
	}
	if codes[http.StatusOK] != 10 || codes[http.StatusTooManyRequests] != 2 {
		t.Errorf("got %v, want 10 × 200 then 2 × 429 from the in-process limiter", codes)
	}
	if n := strings.Count(as.logs.String(), "Redis unavailable"); n != 1 {
		t.Errorf("outage logged %d times, want once:\n%s", n, as.logs)
	}
}

// TestLogsHoldNoKeys runs valid and invalid keys through every outcome and
// checks that no secret and no full key reaches the log.
func TestLogsHoldNoKeys(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, authOptions{})
	acct := as.NewAccount(t, auth.TierStarter, auth.AccountUpdate{})
	live := as.NewKey(t, auth.KeySpec{AccountID: acct, Scopes: []string{"*"}})
	test := as.NewKey(t, auth.KeySpec{AccountID: acct, Env: auth.EnvTest})
	wrong := live.Secret[:len(live.Secret)-24] + strings.Repeat("q", 24)
	malformed := "pg_live_" + strings.Repeat("s", 30)
	keys := []string{live.Secret, test.Secret, wrong, malformed}
	var created keyJSON
	for _, k := range keys {
		for _, path := range []string{"/api/v1/usage", "/test/counted", "/test/counted?fail=1", "/api/v1/keys"} {
			as.do(t, http.MethodGet, path, bearer(k), "")
		}
	}
	rec, env := as.do(t, http.MethodPost, "/api/v1/keys", bearer(live.Secret), `{}`)
	mustData(t, rec, env, http.StatusCreated, &created)
	keys = append(keys, created.Key)
	as.do(t, http.MethodPost, "/api/v1/keys/"+created.ID+"/rotate", bearer(live.Secret), ``)
	for range 12 { // into the rate limit
		as.do(t, http.MethodGet, "/test/counted", bearer(test.Secret), "")
	}
	as.Keys.Close() // flush last_used_at and its log lines, if any
	logs := as.logs.String()
	if !strings.Contains(logs, `"status":401`) || !strings.Contains(logs, `"status":429`) {
		t.Fatalf("the run did not log what it should have:\n%s", logs)
	}
	for _, k := range keys {
		secret := k[len(k)-24:]
		if strings.Contains(logs, k) || strings.Contains(logs, secret) {
			t.Errorf("log contains a key or secret (%.12s…):\n%s", k, logs)
		}
	}
}

// TestMalformedKeyNeedsNoDatabase: with the database unreachable, a malformed key
// is still a 401 (it never reached the database) while a well-formed one is a
// 503, not a 401 or a 500.
func TestMalformedKeyNeedsNoDatabase(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, authOptions{db: unreachableDB(t)})
	tests := []struct {
		name, key  string
		wantStatus int
		wantCode   string
	}{
		{"malformed", "pg_live_nope", http.StatusUnauthorized, "UNAUTHORIZED"},
		{"well-formed", "pg_live_abcdefgh_" + strings.Repeat("x", 24), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE"},
	}
	for _, tt := range tests {
		rec, env := as.do(t, http.MethodGet, "/api/v1/usage", bearer(tt.key), "")
		if rec.Code != tt.wantStatus || env.Error == nil || env.Error.Code != tt.wantCode {
			t.Errorf("%s: got %d %+v, want %d %s", tt.name, rec.Code, env.Error, tt.wantStatus, tt.wantCode)
		}
	}
}
