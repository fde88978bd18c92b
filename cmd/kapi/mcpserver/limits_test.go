package mcpserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
	"github.com/kapi-project/kapi/cmd/kapi/kapitest"
)

func TestUnauthorized(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",` +
		`"capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`
	tests := []struct {
		name, header string
	}{
		{"no header", ""},
		{"another scheme", "Basic dXNlcjpwYXNz"},
		{"malformed key", "Bearer not-a-key"},
		{"unknown key", "Bearer pg_live_AAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, w.url+"/api/mcp", strings.NewReader(initialize))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Data  any
				Error struct{ Code, Message string }
			}
			raw, _ := io.ReadAll(resp.Body)
			_ = json.Unmarshal(raw, &body)
			if resp.StatusCode != http.StatusUnauthorized || body.Error.Code != "UNAUTHORIZED" || body.Data != nil {
				t.Errorf("got %d %s, want 401 with error.code UNAUTHORIZED and data null", resp.StatusCode, raw)
			}
			if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			if key := api.BearerKey(tt.header); key != "" && strings.Contains(string(raw), key) {
				t.Errorf("the body %s echoes the key", raw)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	query := strings.Repeat("a", api.MaxBodyBytes)
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_knowledge","arguments":{"query":"` + query + `"}}}`
	req, _ := http.NewRequest(http.MethodPost, w.url+"/api/mcp", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.Full)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over %d bytes: got %d, want 413", api.MaxBodyBytes, resp.StatusCode)
	}
	if got := w.Used(t, w.Account, auth.EnvLive); got != 0 {
		t.Errorf("queries used %d, want 0", got)
	}
}

func TestRateLimitPerMinute(t *testing.T) {
	t.Parallel()
	w := newWorld(t, kapitest.WithPerMinute(3))
	cs := w.connect(t, w.Full)
	for i := range 3 {
		if res := callTool(t, cs, "get_usage", nil); res.IsError {
			t.Fatalf("call %d: %v", i+1, structured(t, res))
		}
	}
	res := callTool(t, cs, "get_usage", nil)
	got := structured(t, res)
	details, _ := got["details"].(map[string]any)
	if !res.IsError || got["error"] != string(api.CodeRateLimitExceeded) || details["limit"] != "minute" ||
		details["retry_after_seconds"] == nil {
		t.Errorf("4th call = %v, want RATE_LIMIT_EXCEEDED with details.limit minute and retry_after_seconds", got)
	}
}

func TestQuotaExhausted(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	limit := auth.DefaultPolicy().Tiers[auth.TierScale].PerMonth
	w.SetUsed(t, w.Account, auth.EnvLive, limit)
	cs := w.connect(t, w.Full)
	res := callTool(t, cs, "search_knowledge", map[string]any{"query": "sleep"})
	got := structured(t, res)
	if details, _ := got["details"].(map[string]any); !res.IsError || got["error"] != string(api.CodeRateLimitExceeded) || details["limit"] != "month" {
		t.Errorf("search with the quota used up = %v, want RATE_LIMIT_EXCEEDED with details.limit month", got)
	}
	usage := structured(t, callTool(t, cs, "get_usage", nil)) // not counted: still answers
	if usage["queries_used"] != float64(limit) || usage["queries_remaining"] != float64(0) {
		t.Errorf("get_usage = %v, want queries_used %d and queries_remaining 0", usage, limit)
	}
	if res := callTool(t, cs, "list_feeds", nil); res.IsError {
		t.Errorf("list_feeds with the quota used up = %v, want a result (it uses no quota)", structured(t, res))
	}
}

// TestCountingSharedWithREST: one account's calls through REST and MCP count
// against the same monthly quota and the same per-minute limit.
func TestCountingSharedWithREST(t *testing.T) {
	t.Parallel()
	w := newWorld(t, kapitest.WithPerMinute(6))
	cs := w.connect(t, w.Full)
	steps := []struct {
		name     string
		call     func() bool // reports success
		wantOK   bool
		wantUsed int64
	}{
		{"REST search", func() bool { return w.rest(t, "/api/v1/knowledge/search?q=sleep") == http.StatusOK }, true, 1},
		{"MCP search", func() bool { return !callTool(t, cs, "search_knowledge", map[string]any{"query": "sleep"}).IsError }, true, 2},
		{"REST categories", func() bool { return w.rest(t, "/api/v1/categories") == http.StatusOK }, true, 3},
		{"MCP recent", func() bool { return !callTool(t, cs, "get_recent_knowledge", nil).IsError }, true, 4},
		{"MCP failing search", func() bool {
			return !callTool(t, cs, "search_knowledge", map[string]any{"query": "sleep", "feed": "unsubscribed"}).IsError
		}, false, 4},
		{"REST usage", func() bool { return w.rest(t, "/api/v1/usage") == http.StatusOK }, true, 4},
		{"MCP search over the minute limit", func() bool {
			return !callTool(t, cs, "search_knowledge", map[string]any{"query": "sleep"}).IsError
		}, false, 4},
		{"REST search over the minute limit", func() bool { return w.rest(t, "/api/v1/knowledge/search?q=sleep") == http.StatusOK }, false, 4},
	}
	for _, st := range steps {
		if ok := st.call(); ok != st.wantOK {
			t.Errorf("%s: succeeded %v, want %v", st.name, ok, st.wantOK)
		}
		if got := w.Used(t, w.Account, auth.EnvLive); got != st.wantUsed {
			t.Errorf("%s: queries used %d, want %d", st.name, got, st.wantUsed)
		}
	}
}

// rest makes an authenticated GET through REST's router and returns the status.
func (w *world) rest(t *testing.T, path string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, w.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+w.Full)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}
