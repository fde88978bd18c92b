package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// world is the shared test world with its catalogue (kapitest), served by
// REST, plus wide: the key of an account subscribing to 12 feeds.
type world struct {
	*authServer
	wide string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	as := newAuthServer(t, authOptions{})
	as.Populate(t)
	wide := as.NewAccount(t, auth.TierScale, auth.AccountUpdate{})
	w := &world{authServer: as, wide: as.NewKey(t, auth.KeySpec{AccountID: wide, Env: auth.EnvLive}).Secret}
	for i := range 12 {
		as.AddFeed(t, fmt.Sprintf("wide-%02d", i), 1, wide)
	}
	return w
}

func with(key string, kv ...string) map[string]string {
	h := bearer(key)
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}

func TestFeedScopeScenarios(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	alpha, beta := w.Feed["alpha"], w.Feed["beta"]
	tests := []struct {
		name        string
		path        string
		headers     map[string]string
		wantStatus  int
		wantCode    string
		wantHeaders map[string]string // "" means absent
		wantFeeds   []string          // context.feeds slugs
	}{
		{"slug", "/api/v1/knowledge", with(w.Full, headerFeed, "alpha"), 200, "", nil, []string{"alpha"}},
		{"uuid", "/api/v1/knowledge", with(w.Full, headerFeed, beta.ID.String()), 200, "", nil, []string{"beta"}},
		{"list without header, several feeds", "/api/v1/knowledge", with(w.Full), 400, "INVALID_FEED", nil, nil},
		{"list without header, one feed", "/api/v1/knowledge", with(w.Single), 200, "",
			map[string]string{headerAutoSelected: alpha.ID.String()}, []string{"alpha"}},
		{"get without header, several feeds", "/api/v1/knowledge/" + w.Entry["alpha"].String(), with(w.Full), 400, "INVALID_FEED", nil, nil},
		{"recent without header auto-selects most entries", "/api/v1/knowledge/recent", with(w.Full), 200, "",
			map[string]string{headerAutoSelected: alpha.ID.String()}, []string{"alpha"}},
		{"categories without header auto-selects", "/api/v1/categories", with(w.Full), 200, "",
			map[string]string{headerAutoSelected: alpha.ID.String()}, []string{"alpha"}},
		{"all on list", "/api/v1/knowledge", with(w.Full, headerFeed, "all"), 400, "INVALID_FEED", nil, nil},
		{"all on categories", "/api/v1/categories", with(w.Full, headerFeed, "all"), 400, "INVALID_FEED", nil, nil},
		{"all on recent skips archived", "/api/v1/knowledge/recent", with(w.Full, headerFeed, "all"), 200, "",
			map[string]string{headerFeedsSearched: "2", headerFeedsTrunc: ""}, []string{"alpha", "beta"}},
		{"all over 12 feeds", "/api/v1/knowledge/recent", with(w.wide, headerFeed, "all"), 200, "",
			map[string]string{headerFeedsSearched: "10", headerFeedsTrunc: "2"}, nil},
		{"feed=all query on recent", "/api/v1/knowledge/recent?feed=all", with(w.Full), 200, "",
			map[string]string{headerFeedsSearched: "2"}, []string{"alpha", "beta"}},
		{"legacy feed_id", "/api/v1/knowledge?feed_id=" + beta.ID.String(), with(w.Full), 200, "",
			map[string]string{"Warning": legacyFeedWarning}, []string{"beta"}},
		{"header wins over legacy", "/api/v1/knowledge?feed_id=" + beta.ID.String(), with(w.Full, headerFeed, "alpha"), 200, "",
			map[string]string{"Warning": ""}, []string{"alpha"}},
		{"malformed", "/api/v1/knowledge", with(w.Full, headerFeed, "Not a feed!"), 400, "INVALID_FEED", nil, nil},
		{"unknown slug", "/api/v1/knowledge", with(w.Full, headerFeed, "nope"), 404, "NOT_FOUND", nil, nil},
		{"not subscribed", "/api/v1/knowledge", with(w.Full, headerFeed, "unsubscribed"), 403, "FEED_NOT_SUBSCRIBED", nil, nil},
		{"archived", "/api/v1/knowledge", with(w.Full, headerFeed, "gone"), 404, "FEED_UNAVAILABLE", nil, nil},
		{"entry of another feed", "/api/v1/knowledge/" + w.Entry["beta"].String(), with(w.Full, headerFeed, "alpha"), 404, "NOT_FOUND", nil, nil},
		{"entry of the feed", "/api/v1/knowledge/" + w.Entry["alpha"].String(), with(w.Full, headerFeed, "alpha"), 200, "", nil, []string{"alpha"}},
		{"category outside allowed", "/api/v1/knowledge?category=diet", with(w.Restricted, headerFeed, "alpha"), 403, "CATEGORY_RESTRICTED", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, env := w.do(t, http.MethodGet, tt.path, tt.headers, "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantCode != "" && (env.Error == nil || env.Error.Code != tt.wantCode) {
				t.Fatalf("error: got %+v, want %s", env.Error, tt.wantCode)
			}
			for h, want := range tt.wantHeaders {
				if got := rec.Header().Get(h); got != want {
					t.Errorf("%s: got %q, want %q", h, got, want)
				}
			}
			if tt.wantFeeds != nil {
				if got := contextSlugs(t, rec.Body.Bytes()); strings.Join(got, ",") != strings.Join(tt.wantFeeds, ",") {
					t.Errorf("context feeds: got %v, want %v", got, tt.wantFeeds)
				}
			}
		})
	}
}

func contextSlugs(t *testing.T, body []byte) []string {
	t.Helper()
	var env struct {
		Context struct {
			Feeds []api.FeedRef `json:"feeds"`
		} `json:"context"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range env.Context.Feeds {
		out = append(out, f.Slug)
	}
	return out
}

func TestKnowledgeParameters(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	alpha := with(w.Full, headerFeed, "alpha")
	tests := []struct {
		name, path string
		headers    map[string]string
		wantStatus int
		wantField  string
		wantCount  int
	}{
		{"limit too large", "/api/v1/knowledge?limit=51", alpha, 400, "limit", 0},
		{"limit zero", "/api/v1/knowledge?limit=0", alpha, 400, "limit", 0},
		{"negative offset", "/api/v1/knowledge?offset=-1", alpha, 400, "offset", 0},
		{"confidence out of range", "/api/v1/knowledge?confidence_min=2", alpha, 400, "confidence_min", 0},
		{"unknown fusion", "/api/v1/knowledge/search?q=sleep&mode=hybrid&fusion=max", alpha, 400, "fusion", 0},
		{"semantic weight out of range", "/api/v1/knowledge/search?q=sleep&mode=hybrid&semantic_weight=1.5", alpha, 400, "semantic_weight", 0},
		{"semantic weight not a number", "/api/v1/knowledge/search?q=sleep&mode=hybrid&semantic_weight=half", alpha, 400, "semantic_weight", 0},
		{"semantic weight NaN", "/api/v1/knowledge/search?q=sleep&mode=hybrid&semantic_weight=NaN", alpha, 400, "semantic_weight", 0},
		{"bad since", "/api/v1/knowledge?since=yesterday", alpha, 400, "since", 0},
		{"bad verbosity", "/api/v1/knowledge?verbosity=loud", alpha, 400, "verbosity", 0},
		{"bad days", "/api/v1/knowledge/recent?days=0", alpha, 400, "days", 0},
		{"bad entry id", "/api/v1/knowledge/not-a-uuid", alpha, 400, "id", 0},
		{"unknown parameters are ignored", "/api/v1/knowledge?color=blue&limit=50", alpha, 200, "", 6},
		{"category filter", "/api/v1/knowledge?category=Sleep&limit=50", alpha, 200, "", 3},
		{"allowed categories filter silently", "/api/v1/knowledge?limit=50", with(w.Restricted, headerFeed, "alpha"), 200, "", 3},
		{"search filter", "/api/v1/knowledge?search=advice&limit=50", alpha, 200, "", 6},
		{"q alias", "/api/v1/knowledge?q=astronomy", alpha, 200, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, env := w.do(t, http.MethodGet, tt.path, tt.headers, "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantField != "" {
				if env.Error == nil || env.Error.Code != "VALIDATION_ERROR" || env.Error.Details["field"] != tt.wantField {
					t.Errorf("error: got %+v, want VALIDATION_ERROR on %s", env.Error, tt.wantField)
				}
				return
			}
			var data []map[string]any
			if err := json.Unmarshal(env.Data, &data); err != nil {
				t.Fatal(err)
			}
			if len(data) != tt.wantCount {
				t.Errorf("got %d entries, want %d", len(data), tt.wantCount)
			}
		})
	}
}

func TestVerbosityAndQuotaCounting(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	alpha := with(w.Full, headerFeed, "alpha")
	_, full := w.do(t, http.MethodGet, "/api/v1/knowledge?limit=1", alpha, "")
	_, compact := w.do(t, http.MethodGet, "/api/v1/knowledge?limit=1&verbosity=compact", alpha, "")
	if !strings.Contains(string(full.Data), `"created_at"`) || strings.Contains(string(compact.Data), `"created_at"`) {
		t.Errorf("full should carry created_at and compact not:\nfull %s\ncompact %s", full.Data, compact.Data)
	}
	if !strings.Contains(string(full.Data), `"metadata":{}`) || strings.Contains(string(compact.Data), `"metadata"`) {
		t.Errorf("full should carry metadata ({} when none) and compact not:\nfull %s\ncompact %s", full.Data, compact.Data)
	}
	for _, field := range []string{"embedding", "search_vector"} {
		if strings.Contains(string(full.Data), `"`+field+`"`) {
			t.Errorf("entry JSON carries %s: %s", field, full.Data)
		}
	}
	before := w.Used(t, w.Account, auth.EnvLive)
	w.do(t, http.MethodGet, "/api/v1/knowledge", with(w.Full, headerFeed, "nope"), "") // 404: not counted
	w.do(t, http.MethodGet, "/api/v1/feeds", with(w.Full), "")                         // not quota-counted
	w.do(t, http.MethodGet, "/api/v1/knowledge/recent?feed=all", with(w.Full), "")     // fan-out: one unit
	if got := w.Used(t, w.Account, auth.EnvLive) - before; got != 1 {
		t.Errorf("units used: got %d, want 1 (failures and /feeds free, fan-out one)", got)
	}
}

func TestIngestAndDeleteOverHTTP(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	key := with(w.Full, "Content-Type", "application/json")
	rec, env := w.do(t, http.MethodPost, "/api/v1/feeds/beta/entries", key,
		`[{"external_id":"new-1","title":"Naps","content":"Short naps help."},{"external_id":"0","title":"beta entry 0","content":"Changed."}]`)
	if rec.Code != 200 || !strings.Contains(string(env.Data), `"created":1,"updated":1`) {
		t.Fatalf("array ingest: %d %s", rec.Code, rec.Body)
	}
	rec, env = w.do(t, http.MethodPost, "/api/v1/feeds/beta/entries", key,
		"{\"external_id\":\"new-2\",\"content\":\"ndjson\"}\n{\"external_id\":\"new-3\",\"confidence\":7,\"content\":\"x\"}\n")
	if rec.Code != 400 || env.Error.Code != "VALIDATION_ERROR" || env.Error.Details["field"] != "confidence" {
		t.Fatalf("invalid NDJSON batch: %d %s", rec.Code, rec.Body)
	}
	rec, _ = w.do(t, http.MethodGet, "/api/v1/knowledge?limit=50", with(w.Full, headerFeed, "beta"), "")
	if !strings.Contains(rec.Body.String(), `"total":4`) {
		t.Errorf("after a failed batch the feed should hold 3+1 entries: %s", rec.Body)
	}
	rec, _ = w.do(t, http.MethodPost, "/api/v1/feeds/beta/entries", with(w.Single), `[{"external_id":"x","content":"y"}]`)
	if rec.Code != 403 {
		t.Errorf("key without knowledge:write: got %d, want 403", rec.Code)
	}
	other := w.NewAccount(t, auth.TierPro, auth.AccountUpdate{})
	otherKey := w.NewKey(t, auth.KeySpec{AccountID: other, Env: auth.EnvLive, Scopes: []string{"*"}}).Secret
	rec, _ = w.do(t, http.MethodPost, "/api/v1/feeds/beta/entries", with(otherKey, "Content-Type", "application/json"),
		`[{"external_id":"x","content":"y"}]`)
	if rec.Code != 404 {
		t.Errorf("ingest into another account's feed: got %d, want 404", rec.Code)
	}
	path := "/api/v1/feeds/beta/entries/" + w.Entry["beta"].String()
	if rec, _ = w.do(t, http.MethodDelete, path, key, ""); rec.Code != 200 {
		t.Errorf("delete: got %d %s", rec.Code, rec.Body)
	}
	if rec, _ = w.do(t, http.MethodDelete, path, key, ""); rec.Code != 404 {
		t.Errorf("delete again: got %d, want 404", rec.Code)
	}
}

func TestFeedsSubscriptionsAndStats(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rec, env := w.do(t, http.MethodPost, "/api/v1/feeds", with(w.Full), `{"slug":"mine","name":"Mine","language":"german"}`)
	if rec.Code != 201 || !strings.Contains(string(env.Data), `"subscription_status":"active"`) ||
		!strings.Contains(string(env.Data), `"visibility":"private"`) {
		t.Fatalf("create feed: %d %s", rec.Code, rec.Body)
	}
	for _, tt := range []struct{ body, field string }{
		{`{"slug":"Bad Slug","name":"x"}`, "slug"}, {`{"slug":"mine","name":"again"}`, "slug"},
		{`{"slug":"x2","name":"x","language":"klingon"}`, "language"},
		{`{"slug":"x3","name":"x","visibility":"secret"}`, "visibility"},
	} {
		if rec, env = w.do(t, http.MethodPost, "/api/v1/feeds", with(w.Full), tt.body); rec.Code != 400 || env.Error.Details["field"] != tt.field {
			t.Errorf("create %s: got %d %s, want 400 on %s", tt.body, rec.Code, rec.Body, tt.field)
		}
	}
	for _, tt := range []struct {
		body, want string
		status     int
	}{
		{`{"status":"suspended"}`, `"field":"status"`, 400},
		{`{"visibility":"everyone"}`, `"field":"visibility"`, 400},
		{`{"status":"archived","visibility":"public"}`, `"status":"archived","visibility":"public"`, 200},
		{`{"status":"published","visibility":"private"}`, `"status":"published","visibility":"private"`, 200},
	} {
		if rec, _ = w.do(t, http.MethodPatch, "/api/v1/feeds/mine", with(w.Full), tt.body); rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("update mine with %s: got %d %s, want %d with %s", tt.body, rec.Code, rec.Body, tt.status, tt.want)
		}
	}
	if rec, env = w.do(t, http.MethodPost, "/api/v1/feeds", with(w.Full), `{"slug":"paid","name":"Paid","is_paid":true}`); rec.Code != 412 || env.Error.Code != "STRIPE_CONNECT_REQUIRED" {
		t.Errorf("paid feed without payouts: got %d %s", rec.Code, rec.Body)
	}
	if rec, _ = w.do(t, http.MethodPost, "/api/v1/subscriptions/unsubscribed", with(w.Full), ""); rec.Code != 200 {
		t.Errorf("subscribe: %d %s", rec.Code, rec.Body)
	}
	if rec, env = w.do(t, http.MethodPost, "/api/v1/subscriptions/gone", with(w.Full), ""); rec.Code != 404 || env.Error.Code != "FEED_UNAVAILABLE" {
		t.Errorf("subscribe to archived: %d %s", rec.Code, rec.Body)
	}
	if rec, _ = w.do(t, http.MethodDelete, "/api/v1/subscriptions/beta", with(w.Full), ""); rec.Code != 200 {
		t.Errorf("unsubscribe: %d %s", rec.Code, rec.Body)
	}
	if rec, env = w.do(t, http.MethodGet, "/api/v1/knowledge", with(w.Full, headerFeed, "beta"), ""); rec.Code != 403 || env.Error.Code != "FEED_NOT_SUBSCRIBED" {
		t.Errorf("after unsubscribing: %d %s", rec.Code, rec.Body)
	}
	// 15 public feeds: "mine", created over REST, is private and not counted.
	rec, env = w.do(t, http.MethodGet, "/api/v1/stats", nil, "")
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "public, max-age=300" ||
		!strings.Contains(string(env.Data), `"total_feeds":15`) || !strings.Contains(string(env.Data), `"total_categories":2`) {
		t.Errorf("stats: %d %s %s", rec.Code, rec.Header(), rec.Body)
	}
}

// TestIngestMetadataFieldsAndSize: metadata comes back in full verbosity with
// its big integers exact, an unknown field is refused by name, and a body over
// the batch limit is 413.
func TestIngestMetadataFieldsAndSize(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	key := with(w.Full, "Content-Type", "application/json")
	rec, env := w.do(t, http.MethodPost, "/api/v1/feeds/beta/entries", key,
		`[{"external_id":"m1","title":"Meta","content":"Metadata round trip.","metadata":{"big":9007199254740993,"n":{"a":[1,2.5]}}}]`)
	if rec.Code != 200 {
		t.Fatalf("ingest with metadata: %d %s", rec.Code, rec.Body)
	}
	var ing struct{ Entries []struct{ ID string } }
	if err := json.Unmarshal(env.Data, &ing); err != nil || len(ing.Entries) != 1 {
		t.Fatalf("ingest data: %v %s", err, env.Data)
	}
	wantMeta := `"metadata":{"big":9007199254740993,"n":{"a":[1,2.5]}}`
	for _, path := range []string{
		"/api/v1/knowledge/" + ing.Entries[0].ID + "?limit=1",
		"/api/v1/knowledge/search?q=metadata+round+trip&limit=1",
	} {
		rec, _ = w.do(t, http.MethodGet, path, with(w.Full, headerFeed, "beta"), "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), wantMeta) {
			t.Errorf("GET %s: got %d %s, want %s", path, rec.Code, rec.Body, wantMeta)
		}
		rec, _ = w.do(t, http.MethodGet, path+"&verbosity=compact", with(w.Full, headerFeed, "beta"), "")
		if rec.Code != 200 || strings.Contains(rec.Body.String(), `"metadata"`) {
			t.Errorf("GET %s compact: got %d, want 200 without metadata: %s", path, rec.Code, rec.Body)
		}
	}
	rec, env = w.do(t, http.MethodPost, "/api/v1/feeds/beta/entries", key, `[{"external_id":"u1","body":"misspelt"}]`)
	if rec.Code != 400 || env.Error == nil || !strings.Contains(env.Error.Message, `unknown field "body"`) {
		t.Errorf("unknown field: got %d %s, want 400 naming \"body\"", rec.Code, rec.Body)
	}
	big := `[{"external_id":"b","content":"` + strings.Repeat("x", maxBatchBytes) + `"}]`
	rec, env = w.do(t, http.MethodPost, "/api/v1/feeds/beta/entries", key, big)
	if rec.Code != 413 || env.Error == nil || env.Error.Code != "PAYLOAD_TOO_LARGE" {
		t.Errorf("oversized batch: got %d %+v, want 413 PAYLOAD_TOO_LARGE", rec.Code, env.Error)
	}
}

// TestIngestBodyRules: an entry batch is application/json or
// application/x-ndjson (415 otherwise), may start with a UTF-8 byte-order
// mark, and has nothing after a JSON array's closing ].
func TestIngestBodyRules(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	key := with(w.Full, "Content-Type", "application/json")
	var rec *httptest.ResponseRecorder
	var env envelopeJSON
	for _, ct := range []string{"", "text/plain", "application/xml", "multipart/form-data; boundary=x"} {
		rec, env = w.do(t, http.MethodPost, "/api/v1/feeds/beta/entries", with(w.Full, "Content-Type", ct),
			`[{"external_id":"x","content":"y"}]`)
		if rec.Code != 415 || env.Error.Code != "UNSUPPORTED_MEDIA_TYPE" {
			t.Errorf("Content-Type %q: got %d %s, want 415 UNSUPPORTED_MEDIA_TYPE", ct, rec.Code, rec.Body)
		}
	}
	rec, _ = w.do(t, http.MethodPost, "/api/v1/feeds/beta/entries", with(w.Full, "Content-Type", "application/x-ndjson; charset=utf-8"),
		"\xef\xbb\xbf{\"external_id\":\"bom\",\"content\":\"A UTF-8 file with a byte-order mark.\"}\n")
	if rec.Code != 200 {
		t.Errorf("NDJSON after a BOM: got %d %s, want 200", rec.Code, rec.Body)
	}
	rec, env = w.do(t, http.MethodPost, "/api/v1/feeds/beta/entries", key, `[{"external_id":"t","content":"y"}] {"more":1}`)
	if rec.Code != 400 || env.Error.Code != "VALIDATION_ERROR" {
		t.Errorf("data after the array: got %d %s, want 400", rec.Code, rec.Body)
	}
}
