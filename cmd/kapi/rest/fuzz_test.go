package rest

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kapi-project/kapi/auth"
)

// hostile are the values the HTTP fuzz run puts in parameters, path
// segments and body fields: NUL, invalid UTF-8, tsquery operators, quotes,
// huge, negative and non-finite numbers, empty and very long text.
var hostile = []string{
	"\x00", "sl\x00eep", "\xff\xfe", "\xc3\x28", "sleep & | ! <-> :* ( )", "!!sleep", "a:*", "(", ")", "'", `"`,
	`\`, `"unclosed`, "-", "--", "OR", "OR OR", "sleep -", "-1", "-9223372036854775809", "99999999999999999999999",
	"1e308", "-1e308", "NaN", "Inf", "0x10", "", " ", "all", "alpha", "🙂", "<script>", "%", "%00", "..",
	strings.Repeat("a", 5000), strings.Repeat("sleep ", 400), "0", "1.5", "2026-13-45", "00000000-0000-0000-0000-000000000000",
}

// fuzzRoute is a route of the API with the parameters it reads.
type fuzzRoute struct {
	method, path string // {x} marks a path parameter
	params       []string
	body         bool
}

var fuzzRoutes = []fuzzRoute{
	{"GET", "/health", nil, false}, {"HEAD", "/health", nil, false}, {"GET", "/api/v1/stats", nil, false},
	{"GET", "/api/v1/feeds", []string{"limit", "offset"}, false}, {"POST", "/api/v1/feeds", nil, true},
	{"POST", "/api/v1/feeds/{x}/entries", nil, true}, {"DELETE", "/api/v1/feeds/{x}/entries/{x}", nil, false},
	{"POST", "/api/v1/subscriptions/{x}", nil, false}, {"DELETE", "/api/v1/subscriptions/{x}", nil, false},
	{"GET", "/api/v1/categories", []string{"feed"}, false},
	{"GET", "/api/v1/knowledge", []string{"category", "search", "limit", "offset", "verbosity", "since", "feed_id"}, false},
	{"GET", "/api/v1/knowledge/search", []string{"q", "mode", "categories", "confidence_min", "limit", "offset",
		"verbosity", "fusion", "semantic_weight", "feed"}, false},
	{"GET", "/api/v1/knowledge/recent", []string{"days", "since", "category", "limit", "offset", "verbosity", "feed"}, false},
	{"GET", "/api/v1/knowledge/{x}", []string{"verbosity"}, false},
	{"GET", "/api/v1/usage", nil, false}, {"GET", "/api/v1/keys", nil, false}, {"POST", "/api/v1/keys", nil, true},
	{"DELETE", "/api/v1/keys/{x}", nil, false}, {"POST", "/api/v1/keys/{x}/rotate", nil, false},
	{"PUT", "/api/v1/feeds", nil, true}, {"GET", "/nowhere/{x}", []string{"q"}, false},
}

// bodyFields are the JSON fields the fuzzed bodies set: of an entry, a feed
// and a key.
var bodyFields = []string{"external_id", "title", "content", "category", "source_url", "confidence", "slug", "name",
	"description", "language", "env", "expires_at"}

// TestHTTPFuzz sends fuzzRequests random hostile requests over every route
// (with a key with every scope, most of them): none may answer 5xx, and
// every answer is the JSON envelope (the OpenAPI document excepted, and a
// 431 that the HTTP server itself sends before kapi sees the request).
func TestHTTPFuzz(t *testing.T) {
	t.Parallel()
	const fuzzRequests = 2000
	w := newWorld(t)
	admin := w.NewKey(t, auth.KeySpec{AccountID: w.Account, Env: auth.EnvLive,
		Scopes: []string{"knowledge:*", "feeds:*", "usage:read", "keys:read", "keys:write"}}).Secret
	rng := rand.New(rand.NewPCG(16, 2026))
	fives := 0
	for i := range fuzzRequests {
		req := fuzzRequest(rng, admin)
		rec := httptest.NewRecorder()
		w.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			fives++
			t.Errorf("request %d: %s %s answered %d: %s", i, req.Method, req.URL, rec.Code, truncate(rec.Body.String(), 300))
		}
		checkEnvelope(t, req, rec)
		if fives > 10 {
			t.Fatal("too many 5xx; stopping")
		}
	}
}

func fuzzRequest(rng *rand.Rand, key string) *http.Request {
	r := fuzzRoutes[rng.IntN(len(fuzzRoutes))]
	path := r.path
	for strings.Contains(path, "{x}") {
		path = strings.Replace(path, "{x}", url.PathEscape(pick(rng)), 1)
	}
	q := url.Values{}
	for _, p := range r.params {
		for range rng.IntN(3) { // absent, once, or twice (a duplicate)
			q.Add(p, pick(rng))
		}
	}
	body := ""
	if r.body {
		body = fuzzBody(rng)
	}
	req := httptest.NewRequest(r.method, path+"?"+q.Encode(), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if rng.IntN(10) > 0 {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rng.IntN(3) == 0 {
		req.Header.Set(headerFeed, strings.Map(headerSafe, pick(rng)))
	}
	return req
}

func pick(rng *rand.Rand) string { return hostile[rng.IntN(len(hostile))] }

// headerSafe drops the bytes an HTTP header value cannot carry.
func headerSafe(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return -1
	}
	return r
}

// fuzzBody is a JSON object (or an array of them, for ingest) of hostile
// fields, sometimes broken on purpose.
func fuzzBody(rng *rand.Rand) string {
	obj := map[string]any{}
	for _, f := range bodyFields {
		switch rng.IntN(4) {
		case 0:
			obj[f] = pick(rng)
		case 1:
			obj[f] = []any{-1e308, 1 << 62, pick(rng)}[rng.IntN(3)]
		}
	}
	obj["metadata"] = map[string]any{pick(rng): pick(rng)}
	obj["tags"] = []string{pick(rng), pick(rng)}
	b, _ := json.Marshal(obj) // strings, numbers, maps: cannot fail
	s := string(b)
	switch rng.IntN(6) {
	case 0:
		return "[" + s + "]"
	case 1:
		return "[" + s + "] trailing"
	case 2:
		return s[:rng.IntN(len(s))] // cut short
	case 3:
		return strings.ReplaceAll(s, `\ufffd`, "\xff") // raw invalid UTF-8
	}
	return s
}

// checkEnvelope: every answer is JSON with data, meta and error, the error
// an object with a code when the status is 4xx.
func checkEnvelope(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if req.Method == http.MethodHead {
		return // no body by definition
	}
	var env struct {
		Data  json.RawMessage `json:"data"`
		Meta  map[string]any  `json:"meta"`
		Error *struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Meta == nil {
		t.Errorf("%s %s: %d body is not the envelope: %v: %s", req.Method, req.URL, rec.Code, err, truncate(rec.Body.String(), 200))
		return
	}
	if rec.Code >= 400 && (env.Error == nil || env.Error.Code == "") {
		t.Errorf("%s %s: %d without an error code: %s", req.Method, req.URL, rec.Code, truncate(rec.Body.String(), 200))
	}
}

// TestTextInputNamesTheField: a NUL or invalid UTF-8 in a parameter, a path
// segment, a header or a body field is 400 VALIDATION_ERROR naming it, on
// every kind of input.
func TestTextInputNamesTheField(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	admin := w.NewKey(t, auth.KeySpec{AccountID: w.Account, Env: auth.EnvLive,
		Scopes: []string{"knowledge:*", "feeds:*", "keys:write"}}).Secret
	tests := []struct {
		name, method, path string
		headers            map[string]string
		body, field        string
	}{
		{"NUL in q", "GET", "/api/v1/knowledge/search?q=sl%00eep", with(admin), "", "q"},
		{"bad UTF-8 in q", "GET", "/api/v1/knowledge/search?q=%C3%28", with(admin), "", "q"},
		{"NUL in search", "GET", "/api/v1/knowledge?search=%00", with(admin, headerFeed, "alpha"), "", "search"},
		{"NUL in a path id", "GET", "/api/v1/knowledge/%00", with(admin, headerFeed, "alpha"), "", "id"},
		{"bad UTF-8 in a feed path", "POST", "/api/v1/subscriptions/%FF", with(admin), "", "feed"},
		{"bad UTF-8 in the feed header", "GET", "/api/v1/knowledge", with(admin, headerFeed, "\xff"), "", headerFeed},
		{"NUL in a feed name", "POST", "/api/v1/feeds", with(admin), `{"slug":"nul","name":"a\u0000b"}`, "name"},
		{"NUL in a key name", "POST", "/api/v1/keys", with(admin), `{"name":"\u0000"}`, "name"},
		{"NUL in a title", "POST", "/api/v1/feeds/alpha/entries", with(admin),
			`[{"external_id":"x","title":"a\u0000","content":"c"}]`, "title"},
		{"NUL in an external id", "POST", "/api/v1/feeds/alpha/entries", with(admin),
			`[{"external_id":"x\u0000","content":"c"}]`, "external_id"},
		{"NUL in a tag", "POST", "/api/v1/feeds/alpha/entries", with(admin),
			`[{"external_id":"x","content":"c","tags":["\u0000"]}]`, "tags"},
		{"NUL in metadata", "POST", "/api/v1/feeds/alpha/entries", with(admin),
			`[{"external_id":"x","content":"c","metadata":{"k":["\u0000"]}}]`, "metadata"},
		{"bad UTF-8 in metadata", "POST", "/api/v1/feeds/alpha/entries", with(admin),
			"[{\"external_id\":\"x\",\"content\":\"c\",\"metadata\":{\"k\":\"\xff\"}}]", "metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.headers
			h["Content-Type"] = "application/json"
			rec, env := w.do(t, tt.method, tt.path, h, tt.body)
			if rec.Code != http.StatusBadRequest || env.Error == nil || env.Error.Code != "VALIDATION_ERROR" ||
				env.Error.Details["field"] != tt.field {
				t.Errorf("got %d %s, want 400 VALIDATION_ERROR naming %s", rec.Code, rec.Body, tt.field)
			}
		})
	}
}
