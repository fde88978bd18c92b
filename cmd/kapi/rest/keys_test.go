package rest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kapi-project/kapi/auth"
)

type keyJSON struct {
	ID          string    `json:"id"`
	Key         string    `json:"key"`
	Prefix      string    `json:"prefix"`
	Env         string    `json:"env"`
	Scopes      []string  `json:"scopes"`
	ExpiresAt   *string   `json:"expires_at"`
	RevokedAt   *string   `json:"revoked_at"`
	RotatedFrom *string   `json:"rotated_from"`
	CreatedAt   time.Time `json:"created_at"`
}

func TestKeyEndpoints(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, authOptions{policy: generous()})
	acct := as.NewAccount(t, auth.TierPro, auth.AccountUpdate{})
	admin := as.NewKey(t, auth.KeySpec{AccountID: acct, Scopes: []string{"keys:*", "knowledge:read", "usage:read", "feeds:read"}})
	reader := as.NewKey(t, auth.KeySpec{AccountID: acct, Scopes: []string{"keys:read"}})
	wide := as.NewKey(t, auth.KeySpec{AccountID: acct, Scopes: []string{"*"}})
	other := as.NewKey(t, auth.KeySpec{AccountID: as.NewAccount(t, auth.TierPro, auth.AccountUpdate{}), Scopes: []string{"*"}})
	hdr := func(key string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/json"}
	}

	// Create: the secret is in the response, with the default scopes.
	rec, env := as.do(t, http.MethodPost, "/api/v1/keys", hdr(admin.Secret), `{"name":"ci"}`)
	var created keyJSON
	mustData(t, rec, env, http.StatusCreated, &created)
	if _, err := auth.ParseKey(created.Key); err != nil || !strings.HasPrefix(created.Prefix, created.Key[:17]) {
		t.Fatalf("created key %q prefix %q: %v", created.Key, created.Prefix, err)
	}
	if strings.Join(created.Scopes, " ") != "knowledge:read feeds:read usage:read" {
		t.Errorf("default scopes: got %v", created.Scopes)
	}
	if rec, _ := as.do(t, http.MethodGet, "/test/counted", bearer(created.Key), ""); rec.Code != http.StatusOK {
		t.Errorf("the created key does not work: %d", rec.Code)
	}

	// List: own account only, never a secret.
	rec, env = as.do(t, http.MethodGet, "/api/v1/keys", hdr(reader.Secret), "")
	var list []keyJSON
	mustData(t, rec, env, http.StatusOK, &list)
	if len(list) != 4 || strings.Contains(rec.Body.String(), `"key"`) || strings.Contains(rec.Body.String(), created.Key) {
		t.Errorf("list: got %d keys, want 4 without secrets: %s", len(list), rec.Body)
	}

	// Rotate with a grace period: both keys work; the old one expires.
	rec, env = as.do(t, http.MethodPost, "/api/v1/keys/"+created.ID+"/rotate", hdr(admin.Secret), `{"grace":"1h"}`)
	var rotated keyJSON
	mustData(t, rec, env, http.StatusCreated, &rotated)
	if rotated.Key == "" || rotated.RotatedFrom == nil || *rotated.RotatedFrom != created.ID {
		t.Fatalf("rotate: got %+v", rotated)
	}
	for _, k := range []string{created.Key, rotated.Key} {
		if rec, _ := as.do(t, http.MethodGet, "/api/v1/usage", bearer(k), ""); rec.Code != http.StatusOK {
			t.Errorf("during the grace period a key gets %d", rec.Code)
		}
	}

	// Revoke: effective at once on this instance.
	rec, env = as.do(t, http.MethodDelete, "/api/v1/keys/"+created.ID, hdr(admin.Secret), "")
	var revoked keyJSON
	mustData(t, rec, env, http.StatusOK, &revoked)
	if revoked.RevokedAt == nil {
		t.Errorf("revoke: revoked_at not set")
	}
	if rec, _ := as.do(t, http.MethodGet, "/api/v1/usage", bearer(created.Key), ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("revoked key: got %d, want 401", rec.Code)
	}

	errs := []struct {
		name, method, path, key, body string
		wantStatus                    int
		wantCode                      string
	}{
		{"other account cannot revoke", http.MethodDelete, "/api/v1/keys/" + rotated.ID, other.Secret, "", 404, "NOT_FOUND"},
		{"other account cannot rotate", http.MethodPost, "/api/v1/keys/" + rotated.ID + "/rotate", other.Secret, "", 404, "NOT_FOUND"},
		{"malformed id", http.MethodDelete, "/api/v1/keys/nope", admin.Secret, "", 404, "NOT_FOUND"},
		{"read scope cannot create", http.MethodPost, "/api/v1/keys", reader.Secret, `{}`, 403, "INSUFFICIENT_SCOPE"},
		{"cannot grant a scope it lacks", http.MethodPost, "/api/v1/keys", admin.Secret, `{"scopes":["feeds:write"]}`, 403, "INSUFFICIENT_SCOPE"},
		{"cannot grant star", http.MethodPost, "/api/v1/keys", admin.Secret, `{"scopes":["*"]}`, 403, "INSUFFICIENT_SCOPE"},
		{"unknown scope", http.MethodPost, "/api/v1/keys", admin.Secret, `{"scopes":["root"]}`, 400, "VALIDATION_ERROR"},
		{"bad category", http.MethodPost, "/api/v1/keys", admin.Secret, `{"allowed_categories":["Bad Cat"]}`, 400, "VALIDATION_ERROR"},
		{"bad env", http.MethodPost, "/api/v1/keys", admin.Secret, `{"env":"prod"}`, 400, "VALIDATION_ERROR"},
		{"expiry in the past", http.MethodPost, "/api/v1/keys", admin.Secret, `{"expires_at":"2001-01-01T00:00:00Z"}`, 400, "VALIDATION_ERROR"},
		{"cannot rotate a wider key", http.MethodPost, "/api/v1/keys/" + wide.ID.String() + "/rotate", admin.Secret, "", 403, "INSUFFICIENT_SCOPE"},
		{"bad grace", http.MethodPost, "/api/v1/keys/" + rotated.ID + "/rotate", admin.Secret, `{"grace":"soon"}`, 400, "VALIDATION_ERROR"},
		{"rotate a revoked key", http.MethodPost, "/api/v1/keys/" + created.ID + "/rotate", admin.Secret, "", 400, "VALIDATION_ERROR"},
	}
	for _, tt := range errs {
		rec, env := as.do(t, tt.method, tt.path, hdr(tt.key), tt.body)
		if rec.Code != tt.wantStatus || env.Error == nil || env.Error.Code != tt.wantCode {
			t.Errorf("%s: got %d %+v, want %d %s", tt.name, rec.Code, env.Error, tt.wantStatus, tt.wantCode)
		}
	}
}

func TestTestKeyCannotCreateLiveKey(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, authOptions{policy: generous()})
	acct := as.NewAccount(t, auth.TierPro, auth.AccountUpdate{})
	test := as.NewKey(t, auth.KeySpec{AccountID: acct, Env: auth.EnvTest, Scopes: []string{"*"}})
	rec, env := as.do(t, http.MethodPost, "/api/v1/keys", bearer(test.Secret), `{"env":"live"}`)
	if rec.Code != http.StatusBadRequest || env.Error.Details["field"] != "env" {
		t.Errorf("got %d %+v, want 400 on env", rec.Code, env.Error)
	}
	rec, env = as.do(t, http.MethodPost, "/api/v1/keys", bearer(test.Secret), `{}`)
	var k keyJSON
	mustData(t, rec, env, http.StatusCreated, &k)
	if k.Env != "test" || !strings.HasPrefix(k.Key, "pg_test_") {
		t.Errorf("a test key's new key: got env %s key prefix %.8s, want test", k.Env, k.Key)
	}
}

func mustData(t *testing.T, rec interface{ Result() *http.Response }, env envelopeJSON, status int, dst any) {
	t.Helper()
	if got := rec.Result().StatusCode; got != status {
		t.Fatalf("status: got %d, want %d: %+v", got, status, env.Error)
	}
	if err := json.Unmarshal(env.Data, dst); err != nil {
		t.Fatalf("data: %v: %s", err, env.Data)
	}
}
