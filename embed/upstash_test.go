package embed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const testUpstashToken = "upstash-token-ABC123"

// newUpstashServer is an httptest server speaking Upstash's REST format: a
// POSTed JSON command array, Bearer auth, {"result": ...} or {"error": ...}.
// Commands run on the real local Redis.
func newUpstashServer(t testing.TB, client *redis.Client) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+testUpstashToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"Unauthorized"}`))
			return
		}
		var cmd []string
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&cmd) != nil || len(cmd) == 0 {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"ERR failed to parse command"}`))
			return
		}
		writeUpstashResult(w, r.Context(), client, cmd)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func writeUpstashResult(w http.ResponseWriter, ctx context.Context, client *redis.Client, cmd []string) {
	args := make([]any, len(cmd))
	for i, a := range cmd {
		args[i] = a
	}
	res, err := client.Do(ctx, args...).Result()
	switch {
	case errors.Is(err, redis.Nil):
		_, _ = w.Write([]byte(`{"result":null}`))
	case err != nil:
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
	default:
		_ = json.NewEncoder(w).Encode(map[string]any{"result": res})
	}
}

func newTestUpstash(t testing.TB, url, token string) *UpstashStore {
	t.Helper()
	s, err := NewUpstashStore(UpstashConfig{URL: url, Token: token})
	if err != nil {
		t.Fatalf("NewUpstashStore: %v", err)
	}
	return s
}

func TestUpstashStore(t *testing.T) {
	client, prefix := testRedis(t)
	srv := newUpstashServer(t, client)
	storeContract(t, newTestUpstash(t, srv.URL, testUpstashToken), client, prefix)
}

func TestUpstashStoreFailures(t *testing.T) {
	client, prefix := testRedis(t)
	srv := newUpstashServer(t, client)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_ = client.Set(context.Background(), prefix+"notb64", "***", time.Minute).Err()
	_ = client.LPush(context.Background(), prefix+"list", "x").Err()
	tests := []struct {
		name, url, token, key string
	}{
		{"bad token", srv.URL, "wrong-" + testUpstashToken, prefix + "k"},
		{"server down", closed.URL, testUpstashToken, prefix + "k"},
		{"value not base64", srv.URL, testUpstashToken, prefix + "notb64"},
		{"redis error answer", srv.URL, testUpstashToken, prefix + "list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestUpstash(t, tt.url, tt.token)
			_, found, err := s.Get(context.Background(), tt.key)
			if err == nil || found {
				t.Errorf("Get = found %v, %v; want an error", found, err)
			}
			if err != nil && strings.Contains(err.Error(), testUpstashToken) {
				t.Errorf("error leaks the token: %v", err)
			}
			t.Logf("err: %v", err)
		})
	}
}

func TestUpstashConfigInvalid(t *testing.T) {
	tests := []struct {
		name string
		cfg  UpstashConfig
	}{
		{"no URL", UpstashConfig{Token: "t"}},
		{"relative URL", UpstashConfig{URL: "xyz.upstash.io", Token: "t"}},
		{"redis scheme", UpstashConfig{URL: "rediss://xyz.upstash.io", Token: "t"}},
		{"no token", UpstashConfig{URL: "https://xyz.upstash.io"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewUpstashStore(tt.cfg); !errors.Is(err, ErrCacheConfig) {
				t.Errorf("NewUpstashStore = %v, want ErrCacheConfig", err)
			}
		})
	}
}

func TestCachedOverUpstash(t *testing.T) {
	client, prefix := testRedis(t)
	srv := newUpstashServer(t, client)
	inner := newFakeEmbedder(768)
	c := NewCached(inner, newTestUpstash(t, srv.URL, testUpstashToken), CacheOptions{KeyPrefix: prefix, Timeout: time.Second})
	for range 3 {
		if _, err := c.EmbedQuery(context.Background(), "feeds with pgvector"); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := c.Stats(), (CacheStats{Hits: 2, Misses: 1}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	if got := inner.queries.Load(); got != 1 {
		t.Errorf("inner calls = %d, want 1", got)
	}
}

func TestCachedUpstashBadTokenFallsThrough(t *testing.T) {
	client, _ := testRedis(t)
	srv := newUpstashServer(t, client)
	c := NewCached(newFakeEmbedder(8), newTestUpstash(t, srv.URL, "wrong"), CacheOptions{Timeout: time.Second})
	if _, err := c.EmbedQuery(context.Background(), "q"); err != nil {
		t.Fatalf("EmbedQuery: %v", err)
	}
	if got, want := c.Stats(), (CacheStats{Errors: 1}); got != want { // the set is skipped: backing off
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

func TestUpstashNeverPrintsToken(t *testing.T) {
	cfg := UpstashConfig{URL: "https://xyz.upstash.io", Token: testUpstashToken}
	s := newTestUpstash(t, cfg.URL, cfg.Token)
	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cache", "upstash", cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), buf.String()} {
		if strings.Contains(out, testUpstashToken) {
			t.Errorf("printed form leaks the token: %s", out)
		}
	}
}
