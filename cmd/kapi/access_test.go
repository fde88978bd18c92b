package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/kapitest"
	"github.com/kapi-project/kapi/cmd/kapi/mcpserver"
	"github.com/kapi-project/kapi/cmd/kapi/rest"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/migrations/pgtest"
	"github.com/kapi-project/kapi/search"
)

// accessWorld is one kapi, served over REST and MCP, holding two customers'
// knowledge: "acme", a private feed of the owner account, and "market", a
// public operator feed every account subscribes to. The accounts: owner;
// granted (granted acme, subscribed); revoked (granted, subscribed, then
// revoked); other (never granted); bystander (the target of the grant action).
type accessWorld struct {
	*kapitest.World
	url, dbURL string
	env        func(string) string
	acme       feeds.Feed
	keys       map[string]string    // actor -> key
	ids        map[string]uuid.UUID // account or entry name -> id
}

// actor is who acts: an account through its key, or the operator through the CLI.
type actor struct {
	name       string
	sees, owns bool // sees acme; owns acme (may write it)
}

var accessActors = []actor{
	{name: "other"}, {name: "revoked"}, {name: "granted", sees: true},
	{name: "owner", sees: true, owns: true}, {name: "operator", sees: true, owns: true},
}

// outcome is what an action got: the HTTP status (MCP: 200 or the REST status
// of the tool error's code; CLI: 200 or 404 for exit 0 or 3), the error code,
// and whether acme's id showed anywhere in the answer.
type outcome struct {
	status int
	code   string
	acme   bool
}

func (o outcome) String() string { return fmt.Sprintf("%d %s acme=%v", o.status, o.code, o.acme) }

var notFound = outcome{404, "NOT_FOUND", false}

// readable is the outcome of reading acme: its data, or no such feed.
func readable(a actor) outcome {
	if a.sees {
		return outcome{200, "", true}
	}
	return notFound
}

// shows is the outcome of a call that succeeds for everyone and shows acme
// only to those who see it.
func shows(a actor) outcome { return outcome{200, "", a.sees} }

// writable is the outcome of changing acme: done by its owner, no such feed
// for anyone else; withID: the answer names the feed.
func writable(withID bool) func(actor) outcome {
	return func(a actor) outcome {
		if a.owns {
			return outcome{200, "", withID}
		}
		return notFound
	}
}

func newAccessWorld(t *testing.T) *accessWorld {
	t.Helper()
	pool, dbURL := pgtest.NewWithURL(t)
	w := &accessWorld{World: kapitest.New(t, kapitest.Options{DB: pool, Policy: kapitest.Generous()}), dbURL: dbURL,
		env: envOf(map[string]string{"DATABASE_URL": dbURL}), keys: map[string]string{}, ids: map[string]uuid.UUID{}}
	for _, name := range []string{"owner", "granted", "revoked", "other", "bystander"} {
		w.ids[name] = w.NewAccount(t, auth.TierScale, auth.AccountUpdate{})
		w.keys[name] = w.NewKey(t, auth.KeySpec{AccountID: w.ids[name], Env: auth.EnvLive,
			Scopes: []string{"knowledge:*", "feeds:*", "usage:read"}}).Secret
	}
	ctx := context.Background()
	market := w.feed(t, feeds.NewFeed{Slug: "market", Name: "Market"}, "m1", "m2")
	w.acme = w.feed(t, feeds.NewFeed{Slug: "acme", Name: "Acme", OwnerAccountID: w.ids["owner"], Visibility: feeds.Private},
		"a1", "a2", "a3", "a4", "doomed1", "doomed2")
	for _, name := range []string{"owner", "granted", "revoked", "other"} {
		w.must(t)(w.Catalog.Subscribe(ctx, w.ids[name], market.Slug))
	}
	w.must(t)(w.Catalog.Subscribe(ctx, w.ids["owner"], "acme"))
	for _, name := range []string{"granted", "revoked"} {
		if _, _, err := w.Catalog.Grant(ctx, w.ids["owner"], "acme", w.ids[name]); err != nil {
			t.Fatal(err)
		}
		w.must(t)(w.Catalog.Subscribe(ctx, w.ids[name], "acme"))
	}
	if _, err := w.Catalog.Revoke(ctx, w.ids["owner"], "acme", w.ids["revoked"]); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rest.New(rest.Deps{API: w.API, MCP: mcpserver.New(mcpserver.Deps{API: w.API}), DB: w.DB}).Handler())
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

// feed creates nf with one entry per external id (all about knowledge).
func (w *accessWorld) feed(t *testing.T, nf feeds.NewFeed, externalIDs ...string) feeds.Feed {
	t.Helper()
	ctx := context.Background()
	f, err := w.Catalog.Create(ctx, nf)
	if err != nil {
		t.Fatal(err)
	}
	batch := make([]search.NewEntry, len(externalIDs))
	for i, id := range externalIDs {
		batch[i] = search.NewEntry{ExternalID: id, Title: nf.Name + " knowledge " + id, Content: "Shared knowledge of " + nf.Name + "."}
	}
	res, err := w.Engine.Ingest(ctx, search.Feed{ID: f.ID, Language: f.Language}, batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		w.ids[externalIDs[i]] = r.ID
	}
	return f
}

func (w *accessWorld) must(t *testing.T) func(feeds.Subscription, feeds.Feed, error) {
	return func(_ feeds.Subscription, _ feeds.Feed, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// rest sends a REST request as actor a and reads its outcome.
func (w *accessWorld) rest(t *testing.T, a actor, method, path, feed, body string) outcome {
	t.Helper()
	req, _ := http.NewRequest(method, w.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+w.keys[a.name])
	req.Header.Set("Content-Type", "application/json")
	if feed != "" {
		req.Header.Set("X-PostGrad-Feed", feed)
	}
	return w.send(t, req, func(raw []byte) string {
		var env struct{ Error *struct{ Code string } }
		if json.Unmarshal(raw, &env) != nil || env.Error == nil {
			return ""
		}
		return env.Error.Code
	})
}

// mcp calls an MCP tool as actor a over JSON-RPC and reads its outcome.
func (w *accessWorld) mcp(t *testing.T, a actor, tool string, args map[string]any) outcome {
	t.Helper()
	params, _ := json.Marshal(map[string]any{"name": tool, "arguments": args})
	req, _ := http.NewRequest(http.MethodPost, w.url+"/api/mcp",
		strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":`+string(params)+`}`))
	req.Header.Set("Authorization", "Bearer "+w.keys[a.name])
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	o := w.send(t, req, func(raw []byte) string {
		var rpc struct {
			Result struct {
				IsError           bool
				StructuredContent struct{ Error string }
			}
		}
		if err := json.Unmarshal(raw, &rpc); err != nil {
			t.Fatalf("%s: not JSON-RPC: %s", tool, raw)
		}
		return rpc.Result.StructuredContent.Error
	})
	if o.code != "" {
		o.status = statusOf[o.code]
	}
	return o
}

// statusOf is REST's status of the error codes an access cell can get.
var statusOf = map[string]int{"NOT_FOUND": 404, "FEED_NOT_SUBSCRIBED": 403, "FEED_UNAVAILABLE": 404, "INVALID_FEED": 400}

func (w *accessWorld) send(t *testing.T, req *http.Request, code func([]byte) string) outcome {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return outcome{status: resp.StatusCode, code: code(raw), acme: strings.Contains(string(raw), w.acme.ID.String())}
}

// cli runs a kapi command as the operator: exit 0 is 200, exit 3 (not found) 404.
func (w *accessWorld) cli(t *testing.T, args ...string) outcome {
	t.Helper()
	code, out, errOut := runCapture(w.env, args...)
	switch code {
	case exitOK:
		return outcome{200, "", strings.Contains(out, w.acme.ID.String())}
	case exitNotFound:
		return notFound
	}
	t.Fatalf("kapi %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	return outcome{}
}

// accessAction is one thing an actor may try on acme, over each surface that
// has it (nil: the surface cannot say it), and what each actor should get.
type accessAction struct {
	name      string
	rest, mcp func(*testing.T, *accessWorld, actor) outcome
	cli       func(*testing.T, *accessWorld) outcome
	want      func(actor) outcome
}

func accessActions() []accessAction {
	get := func(path, feed string) func(*testing.T, *accessWorld, actor) outcome {
		return func(t *testing.T, w *accessWorld, a actor) outcome {
			return w.rest(t, a, http.MethodGet, path, feed, "")
		}
	}
	tool := func(name string, args func(*accessWorld) map[string]any) func(*testing.T, *accessWorld, actor) outcome {
		return func(t *testing.T, w *accessWorld, a actor) outcome { return w.mcp(t, a, name, args(w)) }
	}
	feedArg := func(feed string, kv ...any) func(*accessWorld) map[string]any {
		return func(*accessWorld) map[string]any {
			m := map[string]any{"feed": feed}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
	}
	return []accessAction{
		{name: "list feeds", rest: get("/api/v1/feeds", ""),
			mcp: tool("list_feeds", func(*accessWorld) map[string]any { return map[string]any{} }),
			cli: func(t *testing.T, w *accessWorld) outcome { return w.cli(t, "feeds", "list") }, want: shows},
		{name: "feed entries", rest: get("/api/v1/knowledge", "acme"),
			mcp: tool("get_recent_knowledge", feedArg("acme", "days", 3650)), want: readable},
		{name: "feed entries by feed_id", want: readable,
			rest: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.rest(t, a, http.MethodGet, "/api/v1/knowledge?feed_id="+w.acme.ID.String(), "", "")
			},
			mcp: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.mcp(t, a, "get_recent_knowledge", map[string]any{"feed": w.acme.ID.String(), "days": 3650})
			}},
		{name: "one entry", want: readable,
			rest: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.rest(t, a, http.MethodGet, "/api/v1/knowledge/"+w.ids["a1"].String(), w.acme.ID.String(), "")
			},
			mcp: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.mcp(t, a, "get_knowledge", map[string]any{"id": w.ids["a1"].String(), "feed": "acme"})
			}},
		{name: "one entry through a public feed", want: func(actor) outcome { return notFound },
			rest: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.rest(t, a, http.MethodGet, "/api/v1/knowledge/"+w.ids["a1"].String(), "market", "")
			},
			mcp: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.mcp(t, a, "get_knowledge", map[string]any{"id": w.ids["a1"].String(), "feed": "market"})
			}},
		{name: "search one feed", rest: get("/api/v1/knowledge/search?q=knowledge", "acme"),
			mcp: tool("search_knowledge", feedArg("acme", "query", "knowledge")), want: readable},
		{name: "search all", rest: get("/api/v1/knowledge/search?q=knowledge&limit=50", "all"),
			mcp: tool("search_knowledge", feedArg("all", "query", "knowledge", "limit", 50)), want: shows},
		{name: "search auto-selected", rest: get("/api/v1/knowledge/search?q=knowledge", ""),
			mcp: tool("search_knowledge", func(*accessWorld) map[string]any { return map[string]any{"query": "knowledge"} }), want: shows},
		{name: "categories", rest: get("/api/v1/categories", "acme"),
			mcp: tool("get_category_summary", feedArg("acme")), want: readable},
		{name: "recent", rest: get("/api/v1/knowledge/recent", "acme"),
			mcp: tool("get_recent_knowledge", feedArg("acme")), want: readable},
		{name: "recent all", rest: get("/api/v1/knowledge/recent?limit=50", "all"),
			mcp: tool("get_recent_knowledge", feedArg("all", "limit", 50)), want: shows},
		{name: "stats count", want: func(actor) outcome { return outcome{200, "", false} },
			rest: func(t *testing.T, w *accessWorld, a actor) outcome { return w.stats(t) }},
		{name: "subscribe", want: readable,
			rest: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.rest(t, a, http.MethodPost, "/api/v1/subscriptions/acme", "", "")
			},
			mcp: tool("subscribe_feed", feedArg("acme")),
			cli: func(t *testing.T, w *accessWorld) outcome { // the granted account, as the operator
				return w.cli(t, "subscriptions", "add", "--account", w.ids["granted"].String(), "--feed", "acme")
			}},
		{name: "ingest", want: writable(true),
			rest: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.rest(t, a, http.MethodPost, "/api/v1/feeds/acme/entries", "",
					`[{"external_id":"new-`+a.name+`","title":"New","content":"New knowledge."}]`)
			},
			cli: func(t *testing.T, w *accessWorld) outcome {
				path := filepath.Join(t.TempDir(), "new.json")
				if err := os.WriteFile(path, []byte(`[{"external_id":"new-operator","title":"New","content":"New knowledge."}]`), 0o644); err != nil {
					t.Fatal(err)
				}
				o := w.cli(t, "ingest", "--feed", "acme", path)
				o.acme = o.status == 200 // the summary names the feed by slug
				return o
			}},
		{name: "delete entry", want: writable(false),
			rest: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.rest(t, a, http.MethodDelete, "/api/v1/feeds/acme/entries/"+w.ids["doomed1"].String(), "", "")
			},
			cli: func(t *testing.T, w *accessWorld) outcome {
				return w.cli(t, "entries", "delete", "--feed", "acme", "--id", w.ids["doomed2"].String())
			}},
		{name: "update", want: writable(true),
			rest: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.rest(t, a, http.MethodPatch, "/api/v1/feeds/acme", "", `{"status":"published","visibility":"private"}`)
			},
			cli: func(t *testing.T, w *accessWorld) outcome {
				return w.cli(t, "feeds", "update", "--feed", "acme", "--status", "published", "--visibility", "private")
			}},
		{name: "grant", want: writable(true),
			rest: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.rest(t, a, http.MethodPost, "/api/v1/feeds/acme/grants/"+w.ids["bystander"].String(), "", "")
			},
			cli: func(t *testing.T, w *accessWorld) outcome {
				return w.cli(t, "feeds", "grant", "--feed", "acme", "--account", w.ids["bystander"].String())
			}},
		{name: "revoke", want: writable(true),
			rest: func(t *testing.T, w *accessWorld, a actor) outcome {
				return w.rest(t, a, http.MethodDelete, "/api/v1/feeds/acme/grants/"+w.ids["bystander"].String(), "", "")
			},
			cli: func(t *testing.T, w *accessWorld) outcome {
				return w.cli(t, "feeds", "revoke", "--feed", "acme", "--account", w.ids["bystander"].String())
			}},
	}
}

// stats reads /api/v1/stats: acme is "shown" when any total counts it (only
// market's one feed and two entries may be counted).
func (w *accessWorld) stats(t *testing.T) outcome {
	t.Helper()
	resp, err := http.Get(w.url + "/api/v1/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Data struct {
			Feeds   int64 `json:"total_feeds"`
			Entries int64 `json:"total_entries"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	return outcome{status: resp.StatusCode, acme: env.Data.Feeds != 1 || env.Data.Entries != 2}
}

// TestFeedAccess walks every actor through every action on a private feed,
// over REST, over MCP and (for the operator) the CLI: another account's
// private feed is a feed that does not exist (404 NOT_FOUND, never listed,
// counted, auto-selected or searched by all), a granted account reads it as a
// public feed, a revoked one no longer does, and only the owner (or the
// operator) writes it.
func TestFeedAccess(t *testing.T) {
	t.Parallel()
	w := newAccessWorld(t)
	for _, act := range accessActions() {
		for _, a := range accessActors {
			want := act.want(a)
			run := func(surface string, probe func(*testing.T) outcome) {
				t.Run(act.name+"/"+a.name+"/"+surface, func(t *testing.T) {
					if got := probe(t); got != want {
						t.Errorf("got %v, want %v", got, want)
					}
				})
			}
			switch {
			case a.name == "operator" && act.cli != nil:
				run("cli", func(t *testing.T) outcome { return act.cli(t, w) })
			case a.name == "operator":
			default:
				if act.rest != nil {
					run("rest", func(t *testing.T) outcome { return act.rest(t, w, a) })
				}
				if act.mcp != nil {
					run("mcp", func(t *testing.T) outcome { return act.mcp(t, w, a) })
				}
			}
		}
	}
}

// TestRevokedGrantOnTwoServers starts two kapi serve instances on one database
// and one Redis: a grant made through one is honoured by both, and a
// revocation made through one is refused by both, for the feed itself and in
// fan-out all, within 5 seconds.
func TestRevokedGrantOnTwoServers(t *testing.T) {
	t.Parallel()
	env := envOf(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "KAPI_ADDR": "127.0.0.1:0",
		"REDIS_URL": "redis://127.0.0.1:6379/0"})
	var owner, reader accountJSON
	runJSON(t, env, &owner, "accounts", "create", "--name", "Acme", "--tier", "scale")
	runJSON(t, env, &reader, "accounts", "create", "--name", "Scale Co", "--tier", "scale")
	var ownerKey, readerKey struct{ Key string }
	runJSON(t, env, &ownerKey, "keys", "create", "--account", owner.ID, "--scopes", "feeds:write")
	runJSON(t, env, &readerKey, "keys", "create", "--account", reader.ID, "--scopes", "knowledge:read feeds:write")
	var f feedJSON
	runJSON(t, env, &f, "feeds", "create", "--slug", "acme", "--name", "Acme", "--owner", owner.ID)
	if f.Visibility != "private" {
		t.Fatalf("feeds create --owner: got visibility %q, want private", f.Visibility)
	}
	addrs := []string{startServe(t, env), startServe(t, env)}

	grantURL := "http://" + addrs[0] + "/api/v1/feeds/acme/grants/" + reader.ID
	if code, body := callAs(t, http.MethodPost, grantURL, ownerKey.Key, ""); code != 200 {
		t.Fatalf("grant: %d %s", code, body)
	}
	if code, body := callAs(t, http.MethodPost, "http://"+addrs[1]+"/api/v1/subscriptions/acme", readerKey.Key, ""); code != 200 {
		t.Fatalf("subscribe after the grant: %d %s", code, body)
	}
	for _, addr := range addrs {
		if got := reads(t, addr, readerKey.Key, f.ID); got != "200 searched" {
			t.Fatalf("server %s before the revocation: got %s, want 200 searched", addr, got)
		}
	}
	if code, body := callAs(t, http.MethodDelete, grantURL, ownerKey.Key, ""); code != 200 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	start := time.Now()
	for _, addr := range addrs {
		for reads(t, addr, readerKey.Key, f.ID) != "404 not searched" {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("server %s still serves a feed whose grant was revoked %s ago", addr, time.Since(start))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	t.Logf("both servers refused the revoked grant within %s", time.Since(start))
}

// reads says what key gets from the feed at addr: the status of a search of
// feed acme, and whether a search of "all" searched the feed (feedID in the
// answer's context).
func reads(t *testing.T, addr, key, feedID string) string {
	t.Helper()
	status := 0
	var all string
	for _, feed := range []string{"acme", "all"} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/knowledge/search?q=anything", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("X-PostGrad-Feed", feed)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if feed == "acme" {
			status = resp.StatusCode
		} else {
			all = string(raw)
		}
	}
	if strings.Contains(all, feedID) {
		return fmt.Sprintf("%d searched", status)
	}
	return fmt.Sprintf("%d not searched", status)
}

// callAs sends body to url with key and returns the status and the body.
func callAs(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
