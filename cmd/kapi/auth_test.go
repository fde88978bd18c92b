package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kapi-project/kapi/cmd/kapi/api"
	"github.com/kapi-project/kapi/migrations/pgtest"
)

// runJSON runs a kapi command and decodes its stdout into dst.
func runJSON(t *testing.T, env func(string) string, dst any, args ...string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), args, env, &out, &errOut); code != 0 {
		t.Fatalf("kapi %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	if err := json.Unmarshal(out.Bytes(), dst); err != nil {
		t.Fatalf("kapi %s: stdout is not JSON: %v\n%s", strings.Join(args, " "), err, out.String())
	}
}

func TestAccountAndKeyCommands(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)})
	var acc accountJSON
	runJSON(t, env, &acc, "accounts", "create", "--name", "Acme", "--tier", "pro")
	if acc.ID == "" || acc.Tier != "pro" || acc.SubscriptionStatus != "active" || !acc.TermsAccepted {
		t.Fatalf("accounts create: got %+v", acc)
	}
	runJSON(t, env, &acc, "accounts", "update", "--id", acc.ID, "--status", "past_due", "--terms-accepted", "false")
	if acc.SubscriptionStatus != "past_due" || acc.TermsAccepted || acc.Tier != "pro" {
		t.Errorf("accounts update: got %+v", acc)
	}
	var key api.Key
	runJSON(t, env, &key, "keys", "create", "--account", acc.ID, "--name", "ci", "--env", "test",
		"--scopes", "knowledge:read usage:read", "--allowed-categories", "a,b", "--expires-in", "720h")
	if !strings.HasPrefix(key.Key, "pg_test_") || key.Prefix != key.Key[:17]+"…" || key.ExpiresAt == nil ||
		strings.Join(key.Scopes, " ") != "knowledge:read usage:read" || strings.Join(key.AllowedCategories, ",") != "a,b" {
		t.Errorf("keys create: got %+v", key)
	}
	var rotated api.Key
	runJSON(t, env, &rotated, "keys", "rotate", "--id", key.ID, "--grace", "24h")
	if rotated.Key == "" || rotated.RotatedFrom == nil || rotated.RotatedFrom.String() != key.ID {
		t.Errorf("keys rotate: got %+v", rotated)
	}
	var revoked api.Key
	runJSON(t, env, &revoked, "keys", "revoke", "--id", key.ID)
	if revoked.RevokedAt == nil || revoked.Key != "" {
		t.Errorf("keys revoke: got %+v", revoked)
	}
	var list []api.Key
	runJSON(t, env, &list, "keys", "list", "--account", acc.ID)
	if len(list) != 2 || list[0].Key != "" || list[1].Key != "" {
		t.Errorf("keys list: got %+v", list)
	}
}

func TestAccountAndKeyCommandErrors(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)})
	tests := []struct {
		args     []string
		wantCode int
	}{
		{[]string{"accounts"}, 2},
		{[]string{"accounts", "delete"}, 2},
		{[]string{"accounts", "create"}, 2},
		{[]string{"accounts", "create", "--name", "x", "--tier", "gold"}, 1},

		{[]string{"accounts", "update", "--id", "nope"}, 2},
		{[]string{"accounts", "update", "--id", "00000000-0000-0000-0000-000000000001", "--tier", "pro"}, 3},
		{[]string{"keys", "create", "--account", "nope"}, 2},
		{[]string{"keys", "create", "--account", "00000000-0000-0000-0000-000000000001"}, 3},
		{[]string{"keys", "revoke", "--id", "00000000-0000-0000-0000-000000000001"}, 3},
		{[]string{"keys", "rotate", "--id", "x"}, 2},
		{[]string{"keys", "frob"}, 2},
	}
	for _, tt := range tests {
		if got := run(context.Background(), tt.args, env, io.Discard, io.Discard); got != tt.wantCode {
			t.Errorf("kapi %s: exit %d, want %d", strings.Join(tt.args, " "), got, tt.wantCode)
		}
	}
	for _, name := range []string{"a\x00b", "\xff"} { // refused before Postgres, saying why
		var errOut bytes.Buffer
		code := run(context.Background(), []string{"accounts", "create", "--name", name, "--tier", "pro"}, env, io.Discard, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), "valid UTF-8 without NUL") {
			t.Errorf("accounts create --name %q: exit %d, %s; want 1 saying the name must be valid UTF-8 without NUL", name, code, errOut.String())
		}
	}
}

// TestTwoServersShareOneLimit starts two kapi serve instances on one database
// and one Redis: together they admit exactly the account's per-minute limit, and
// a revocation made elsewhere reaches both within 5 seconds.
func TestTwoServersShareOneLimit(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "KAPI_ADDR": "127.0.0.1:0",
		"REDIS_URL": "redis://127.0.0.1:6379/0"})
	var acc accountJSON
	runJSON(t, env, &acc, "accounts", "create", "--name", "shared", "--tier", "starter")
	var key api.Key
	runJSON(t, env, &key, "keys", "create", "--account", acc.ID)
	addrs := []string{startServe(t, env), startServe(t, env)}

	codes := map[int]int{}
	for i := range 20 {
		codes[get(t, addrs[i%2], key.Key)]++
	}
	if codes[http.StatusOK] != 10 || codes[http.StatusTooManyRequests] != 10 {
		t.Errorf("20 requests over two servers: got %v, want 10 × 200 and 10 × 429", codes)
	}

	var revoked api.Key
	runJSON(t, env, &revoked, "keys", "revoke", "--id", key.ID)
	start := time.Now()
	for _, addr := range addrs {
		for get(t, addr, key.Key) != http.StatusUnauthorized {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("server %s still accepts a key revoked %s ago", addr, time.Since(start))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// startServe runs `kapi serve` until the test ends and returns its address.
func startServe(t *testing.T, env func(string) string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "--no-migrate"}, env, io.Discard, logs) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d:\n%s", code, logs)
		}
	})
	return waitForListen(t, logs)
}

func get(t *testing.T, addr, key string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/usage", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
