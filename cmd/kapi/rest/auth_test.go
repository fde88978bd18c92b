package rest

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kapi-project/kapi/auth"
)

// TestAuthScenarios walks the authentication, scope and account-state rules of
// API.md §1, §7 and §8 over HTTP.
func TestAuthScenarios(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, authOptions{policy: generous()})
	ctx := context.Background()
	active := as.NewAccount(t, auth.TierPro, auth.AccountUpdate{})
	live := as.NewKey(t, auth.KeySpec{AccountID: active})
	test := as.NewKey(t, auth.KeySpec{AccountID: active, Env: auth.EnvTest})
	all := as.NewKey(t, auth.KeySpec{AccountID: active, Scopes: []string{"*"}})
	knowledgeAll := as.NewKey(t, auth.KeySpec{AccountID: active, Scopes: []string{"knowledge:*"}})
	usageOnly := as.NewKey(t, auth.KeySpec{AccountID: active, Scopes: []string{"usage:read"}})
	revoked := as.NewKey(t, auth.KeySpec{AccountID: active})
	if _, err := as.Keys.Revoke(ctx, active, revoked.ID); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Minute)
	expired := as.NewKey(t, auth.KeySpec{AccountID: active, ExpiresAt: &past})
	future := time.Now().Add(time.Hour)
	expiring := as.NewKey(t, auth.KeySpec{AccountID: active, ExpiresAt: &future})
	stateKey := func(u auth.AccountUpdate) string {
		return as.NewKey(t, auth.KeySpec{AccountID: as.NewAccount(t, auth.TierStarter, u), Scopes: []string{"*"}}).Secret
	}
	pastDue, canceled := auth.StatusPastDue, auth.StatusCanceled
	no := false
	pastDueKey := stateKey(auth.AccountUpdate{Status: &pastDue})
	canceledKey := stateKey(auth.AccountUpdate{Status: &canceled})
	termsKey := stateKey(auth.AccountUpdate{TermsAccepted: &no})
	wrongSecret := live.Secret[:len(live.Secret)-24] + strings.Repeat("Z", 24)
	unknown := "pg_live_ZZZZZZZZ_" + strings.Repeat("a", 24)

	tests := []struct {
		name        string
		headers     map[string]string
		path        string
		wantStatus  int
		wantCode    string
		wantMessage string // substring
		wantDetail  [2]string
	}{
		{"no header", nil, "/api/v1/usage", 401, "UNAUTHORIZED", "Invalid or missing API key", [2]string{}},
		{"wrong scheme", map[string]string{"Authorization": "Basic " + live.Secret}, "/api/v1/usage", 401, "UNAUTHORIZED", "Invalid or missing API key", [2]string{}},
		{"malformed key", bearer("pg_live_short"), "/api/v1/usage", 401, "UNAUTHORIZED", "pg_live_<8 base62 chars>", [2]string{}},
		{"bad env prefix", bearer("pg_prod_" + live.Secret[8:]), "/api/v1/usage", 401, "UNAUTHORIZED", "Malformed", [2]string{}},
		{"unknown key", bearer(unknown), "/api/v1/usage", 401, "UNAUTHORIZED", "Invalid or missing API key", [2]string{}},
		{"wrong secret for a real key id", bearer(wrongSecret), "/api/v1/usage", 401, "UNAUTHORIZED", "Invalid or missing API key", [2]string{}},
		{"env swapped on a real key", bearer("pg_test_" + live.Secret[8:]), "/api/v1/usage", 401, "UNAUTHORIZED", "Invalid", [2]string{}},
		{"revoked", bearer(revoked.Secret), "/api/v1/usage", 401, "UNAUTHORIZED", "Invalid or missing API key", [2]string{}},
		{"expired", bearer(expired.Secret), "/api/v1/usage", 401, "UNAUTHORIZED", "Invalid or missing API key", [2]string{}},
		{"not yet expired", bearer(expiring.Secret), "/api/v1/usage", 200, "", "", [2]string{}},
		{"live key", bearer(live.Secret), "/test/counted", 200, "", "", [2]string{}},
		{"test key", bearer(test.Secret), "/test/counted", 200, "", "", [2]string{}},
		{"default scopes lack keys:read", bearer(live.Secret), "/api/v1/keys", 403, "INSUFFICIENT_SCOPE", "keys:read", [2]string{"required_scope", "keys:read"}},
		{"exact scope", bearer(usageOnly.Secret), "/api/v1/usage", 200, "", "", [2]string{}},
		{"missing scope", bearer(usageOnly.Secret), "/test/counted", 403, "INSUFFICIENT_SCOPE", "knowledge:read", [2]string{"required_scope", "knowledge:read"}},
		{"resource wildcard grants", bearer(knowledgeAll.Secret), "/test/counted", 200, "", "", [2]string{}},
		{"resource wildcard is per resource", bearer(knowledgeAll.Secret), "/api/v1/usage", 403, "INSUFFICIENT_SCOPE", "usage:read", [2]string{"required_scope", "usage:read"}},
		{"star grants everything", bearer(all.Secret), "/api/v1/keys", 200, "", "", [2]string{}},
		{"past_due on knowledge", bearer(pastDueKey), "/test/counted", 403, "SUBSCRIPTION_INACTIVE", "", [2]string{}},
		{"canceled on knowledge", bearer(canceledKey), "/test/checked", 403, "SUBSCRIPTION_INACTIVE", "", [2]string{}},
		{"past_due still reads usage", bearer(pastDueKey), "/api/v1/usage", 200, "", "", [2]string{}},
		{"terms not accepted on knowledge", bearer(termsKey), "/test/counted", 412, "LEGAL_REVIEW_REQUIRED", "", [2]string{"accept_url", "/signup/legal"}},
		{"terms not accepted still reads usage", bearer(termsKey), "/api/v1/usage", 200, "", "", [2]string{}},
		{"past_due still manages keys", bearer(pastDueKey), "/api/v1/keys", 200, "", "", [2]string{}},
		{"canceled still manages keys", bearer(canceledKey), "/api/v1/keys", 200, "", "", [2]string{}},
		{"terms not accepted still manages keys", bearer(termsKey), "/api/v1/keys", 200, "", "", [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, env := as.do(t, http.MethodGet, tt.path, tt.headers, "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			authenticated := tt.wantStatus != http.StatusUnauthorized
			assertAuthHeaders(t, rec.Header(), env.Meta, authenticated)
			if tt.wantCode == "" {
				assertSuccessEnvelope(t, rec)
				return
			}
			if env.Error == nil || env.Error.Code != tt.wantCode || !strings.Contains(env.Error.Message, tt.wantMessage) {
				t.Fatalf("error: got %+v, want %s containing %q", env.Error, tt.wantCode, tt.wantMessage)
			}
			if k := tt.wantDetail[0]; k != "" && env.Error.Details[k] != tt.wantDetail[1] {
				t.Errorf("details.%s: got %v, want %q", k, env.Error.Details[k], tt.wantDetail[1])
			}
			if v := tt.headers["Authorization"]; len(v) > 16 && strings.Contains(rec.Body.String(), v[len(v)-12:]) {
				t.Errorf("body shows the key: %s", rec.Body)
			}
		})
	}
}

// assertAuthHeaders checks the rate-limit headers and usage meta of an
// authenticated response, and WWW-Authenticate on a 401.
func assertAuthHeaders(t *testing.T, h http.Header, meta map[string]any, authenticated bool) {
	t.Helper()
	if !authenticated {
		if !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("WWW-Authenticate: got %q, want Bearer", h.Get("WWW-Authenticate"))
		}
		if h.Get("X-RateLimit-Limit") != "" || meta["queries_used"] != nil {
			t.Errorf("401 carries rate-limit headers or usage: %v %v", h, meta)
		}
		return
	}
	for _, name := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if _, err := strconv.ParseInt(h.Get(name), 10, 64); err != nil {
			t.Errorf("%s: got %q, want an integer", name, h.Get(name))
		}
	}
	for _, k := range []string{"queries_used", "queries_limit", "queries_remaining", "period_start", "period_end", "tier"} {
		if _, ok := meta[k]; !ok {
			t.Errorf("meta lacks %s: %v", k, meta)
		}
	}
}
