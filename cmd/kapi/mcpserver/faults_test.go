package mcpserver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
	"github.com/kapi-project/kapi/cmd/kapi/kapitest"
	"github.com/kapi-project/kapi/cmd/kapi/rest"
	"github.com/kapi-project/kapi/migrations"
	"github.com/kapi-project/kapi/migrations/pgtest"
)

// faultBound is how fast every request must answer while a dependency is
// down or frozen: the 3 s.
const faultBound = 3 * time.Second

// faultWorld is a running kapi whose database is reached through a TCP
// proxy the test can take down or freeze.
type faultWorld struct {
	*kapitest.World
	proxy *kapitest.Proxy
	url   string
	admin string // a key with every scope, keys included
}

// newFaultWorld wires kapi as `kapi serve` does (bounded pool, database
// watch) over a fresh database behind a proxy.
func newFaultWorld(t *testing.T) *faultWorld {
	t.Helper()
	dbURL := pgtest.NewDatabase(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := kapitest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	ctx, cancel := context.WithCancel(context.Background())
	pool, err := migrations.Open(ctx, u.String(), migrations.PoolOptions{MaxConns: 8,
		StatementTimeout: 5 * time.Second, ConnectTimeout: time.Second, PingTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	probe, err := migrations.NewProbe(u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); proxy.Up(); probe.Close(); pool.Close() })
	w := kapitest.New(t, kapitest.Options{DB: pool, Policy: kapitest.Generous()}).Populate(t)
	go w.API.WatchDatabase(ctx, probe, api.WatchOptions{Interval: 200 * time.Millisecond, Timeout: 500 * time.Millisecond})
	srv := httptest.NewServer(rest.New(rest.Deps{API: w.API, MCP: New(Deps{API: w.API}), DB: pool}).Handler())
	t.Cleanup(srv.Close)
	admin := w.NewKey(t, auth.KeySpec{AccountID: w.Account, Env: auth.EnvLive,
		Scopes: []string{"knowledge:*", "feeds:*", "usage:read", "keys:read", "keys:write"}})
	return &faultWorld{World: w, proxy: proxy, url: srv.URL, admin: admin.Secret}
}

// restCall is one request of every REST route.
type restCall struct{ method, path, body string }

func (w *faultWorld) restCalls() []restCall {
	entry, key := w.Entry["alpha"].String(), "00000000-0000-0000-0000-000000000001"
	return []restCall{
		{"GET", "/health", ""}, {"GET", "/api/v1/health", ""}, {"GET", "/api/v1/stats", ""},
		{"GET", "/api/v1/feeds", ""}, {"POST", "/api/v1/feeds", `{"slug":"fresh","name":"Fresh"}`},
		{"POST", "/api/v1/feeds/alpha/entries", `[{"external_id":"n1","title":"New","content":"Sleep more."}]`},
		{"DELETE", "/api/v1/feeds/alpha/entries/" + entry, ""},
		{"POST", "/api/v1/subscriptions/unsubscribed", ""}, {"DELETE", "/api/v1/subscriptions/beta", ""},
		{"GET", "/api/v1/categories?feed=alpha", ""}, {"GET", "/api/v1/knowledge?feed=alpha", ""},
		{"GET", "/api/v1/knowledge/search?q=sleep&feed=alpha&mode=keyword", ""},
		{"GET", "/api/v1/knowledge/search?q=sleep&feed=alpha&mode=hybrid", ""},
		{"GET", "/api/v1/knowledge/search?q=sleep&feed=all&mode=semantic", ""},
		{"GET", "/api/v1/knowledge/recent?feed=alpha", ""}, {"GET", "/api/v1/knowledge/" + entry + "?feed=alpha", ""},
		{"GET", "/api/v1/usage", ""}, {"GET", "/api/v1/keys", ""}, {"POST", "/api/v1/keys", `{"name":"ci"}`},
		{"DELETE", "/api/v1/keys/" + key, ""}, {"POST", "/api/v1/keys/" + key + "/rotate", ""},
	}
}

// toolCalls is one call of every tool.
func (w *faultWorld) toolCalls() map[string]map[string]any {
	return map[string]map[string]any{
		"search_knowledge":     {"query": "sleep", "feed": "alpha", "mode": "hybrid"},
		"get_recent_knowledge": {"feed": "alpha"},
		"get_category_summary": {"feed": "alpha"},
		"list_feeds":           {},
		"get_knowledge":        {"id": w.Entry["alpha"].String(), "feed": "alpha"},
		"subscribe_feed":       {"feed": "unsubscribed"},
		"get_usage":            {},
	}
}

// TestDatabaseFaults takes the database down, then freezes it: every REST
// route and every MCP tool answers 503 SERVICE_UNAVAILABLE (a tool: an
// isError result with that code) naming the database, within faultBound,
// and kapi recovers without a restart when the database returns.
func TestDatabaseFaults(t *testing.T) {
	t.Parallel()
	w := newFaultWorld(t)
	cs := w.connectAs(t, w.admin)
	w.expectSearch(t, http.StatusOK) // the key is now in the verification cache
	for _, fault := range []struct {
		name   string
		inject func()
	}{{"down", w.proxy.Down}, {"frozen", w.proxy.Freeze}} {
		fault.inject()
		for _, rc := range w.restCalls() {
			w.expectUnavailable(t, fault.name, rc)
		}
		for name, args := range w.toolCalls() {
			expectToolUnavailable(t, fault.name, cs, name, args)
		}
		w.proxy.Up()
		w.awaitRecovery(t)
	}
}

func (w *faultWorld) connectAs(t *testing.T, key string) *mcp.ClientSession {
	t.Helper()
	return (&world{World: w.World, url: w.url}).connect(t, key)
}

// answer is what a REST call got.
type answer struct {
	status     int
	err        map[string]any // the envelope's error; nil on success
	retryAfter string
	took       time.Duration
}

// send makes one REST call as the admin key.
func (w *faultWorld) send(t *testing.T, rc restCall) answer {
	t.Helper()
	req, err := http.NewRequest(rc.method, w.url+rc.path, strings.NewReader(rc.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.admin)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := (&http.Client{Timeout: 4 * faultBound}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rc.method, rc.path, err)
	}
	defer resp.Body.Close()
	var env struct {
		Error map[string]any `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatalf("%s %s: %d, body is not JSON: %v", rc.method, rc.path, resp.StatusCode, err)
	}
	return answer{resp.StatusCode, env.Error, resp.Header.Get("Retry-After"), time.Since(start)}
}

func (w *faultWorld) expectUnavailable(t *testing.T, fault string, rc restCall) {
	t.Helper()
	a := w.send(t, rc)
	if a.status != http.StatusServiceUnavailable || a.err["code"] != "SERVICE_UNAVAILABLE" || a.retryAfter == "" {
		t.Errorf("database %s: %s %s = %d %v (Retry-After %q), want 503 SERVICE_UNAVAILABLE with Retry-After",
			fault, rc.method, rc.path, a.status, a.err, a.retryAfter)
	}
	if a.took > faultBound {
		t.Errorf("database %s: %s %s took %s, want under %s", fault, rc.method, rc.path, a.took, faultBound)
	}
}

func expectToolUnavailable(t *testing.T, fault string, cs *mcp.ClientSession, name string, args map[string]any) {
	t.Helper()
	start := time.Now()
	res := callTool(t, cs, name, args)
	took := time.Since(start)
	got := structured(t, res)
	if !res.IsError || got["error"] != "SERVICE_UNAVAILABLE" {
		t.Errorf("database %s: tool %s = %v, want isError SERVICE_UNAVAILABLE", fault, name, got)
	}
	if took > faultBound {
		t.Errorf("database %s: tool %s took %s, want under %s", fault, name, took, faultBound)
	}
}

func (w *faultWorld) expectSearch(t *testing.T, want int) {
	t.Helper()
	if a := w.send(t, restCall{"GET", "/api/v1/knowledge/search?q=sleep&feed=alpha", ""}); a.status != want {
		t.Fatalf("search = %d %v, want %d", a.status, a.err, want)
	}
}

// awaitRecovery waits (at most 10 s) until a search succeeds again.
func (w *faultWorld) awaitRecovery(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a := w.send(t, restCall{"GET", "/api/v1/knowledge/search?q=sleep&feed=alpha", ""})
		if a.status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery within 10s: search = %d %v", a.status, a.err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
