package rest

import (
	"bytes"
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

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/migrations/pgtest"
)

// envelopeJSON is the union of the success and error envelopes, for assertions.
type envelopeJSON struct {
	Data       json.RawMessage `json:"data"`
	Pagination json.RawMessage `json:"pagination"`
	Meta       map[string]any  `json:"meta"`
	Error      *struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

type testServer struct {
	*Server
	logs *bytes.Buffer
}

func newTestServer(t *testing.T, db Pinger) *testServer {
	t.Helper()
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	return &testServer{Server: New(Deps{DB: db, Logger: logger, Version: "test"}), logs: logs}
}

func (ts *testServer) do(t *testing.T, method, path string, headers map[string]string, body string) (*httptest.ResponseRecorder, envelopeJSON) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	checkContract(t, req, rec)
	var env envelopeJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("%s %s: body is not a JSON envelope: %v\n%s", method, path, err, rec.Body)
	}
	return rec, env
}

// unreachableDB is a real pool pointed at a port nothing listens on.
func unreachableDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), "postgres://kapi@127.0.0.1:1/kapi?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestHealth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		db         func(*testing.T) Pinger
		path       string
		wantStatus int
		wantCode   string
	}{
		{"up", func(t *testing.T) Pinger { return pgtest.New(t) }, "/health", http.StatusOK, ""},
		{"up under /api/v1", func(t *testing.T) Pinger { return pgtest.New(t) }, "/api/v1/health", http.StatusOK, ""},
		{"database down", func(t *testing.T) Pinger { return unreachableDB(t) }, "/health", http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, tt.db(t))
			rec, env := ts.do(t, http.MethodGet, tt.path, nil, "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantCode == "" {
				assertSuccessEnvelope(t, rec)
				return
			}
			if env.Error == nil || env.Error.Code != tt.wantCode {
				t.Fatalf("error: got %+v, want code %s", env.Error, tt.wantCode)
			}
			if strings.Contains(rec.Body.String(), "127.0.0.1") {
				t.Errorf("body leaks connection details: %s", rec.Body)
			}
		})
	}
}

// assertSuccessEnvelope checks the five keys of a success body.
func assertSuccessEnvelope(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"data", "pagination", "meta", "error"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("success envelope lacks %q: %s", key, rec.Body)
		}
	}
	if string(raw["error"]) != "null" {
		t.Errorf("error: got %s, want null", raw["error"])
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type: got %q", got)
	}
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, pgtest.New(t))
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantCode           string
		wantAllow          string
	}{
		{"unknown route", http.MethodGet, "/api/v1/nope", http.StatusNotFound, "NOT_FOUND", ""},
		{"unknown top-level route", http.MethodGet, "/", http.StatusNotFound, "NOT_FOUND", ""},
		{"trailing slash is not redirected", http.MethodGet, "/health/", http.StatusNotFound, "NOT_FOUND", ""},
		{"wrong method", http.MethodDelete, "/health", http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "GET"},
		{"CORS preflight fails", http.MethodOptions, "/api/v1/health", http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, env := ts.do(t, tt.method, tt.path, map[string]string{
				"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET",
			}, "")
			if rec.Code != tt.wantStatus || env.Error == nil || env.Error.Code != tt.wantCode {
				t.Fatalf("got %d %+v, want %d %s", rec.Code, env.Error, tt.wantStatus, tt.wantCode)
			}
			if got := rec.Header().Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow: got %q, want %q", got, tt.wantAllow)
			}
			if string(env.Data) != "null" {
				t.Errorf("data: got %s, want null", env.Data)
			}
			assertNoCORS(t, rec)
		})
	}
}

func assertNoCORS(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	for name := range rec.Header() {
		if strings.HasPrefix(strings.ToLower(name), "access-control-") {
			t.Errorf("response carries CORS header %s", name)
		}
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, pgtest.New(t))
	tests := []struct {
		name     string
		incoming string
		wantEcho bool
	}{
		{"generated when absent", "", false},
		{"sane one echoed", "client-req-0001.abc", true},
		{"too short replaced", "abc", false},
		{"injection replaced", "x\" onload=1 <script>", false},
		{"too long replaced", strings.Repeat("a", 200), false},
	}
	for _, path := range []string{"/health", "/api/v1/missing"} {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				rec, env := ts.do(t, http.MethodGet, path, map[string]string{"X-Request-Id": tt.incoming}, "")
				got := rec.Header().Get("X-Request-Id")
				if tt.wantEcho && got != tt.incoming {
					t.Errorf("X-Request-Id: got %q, want echo %q", got, tt.incoming)
				}
				if !tt.wantEcho && (got == tt.incoming || got != api.RequestID(got)) {
					t.Errorf("X-Request-Id: got %q, want a fresh id", got)
				}
				if env.Meta["request_id"] != got {
					t.Errorf("meta.request_id: got %v, want %q", env.Meta["request_id"], got)
				}
			})
		}
	}
}

func TestPanicBecomesInternalError(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, pgtest.New(t))
	ts.router.GET("/test/panic", func(*gin.Context) { panic("secret internals: password=hunter2") })
	rec, env := ts.do(t, http.MethodGet, "/test/panic", nil, "")
	if rec.Code != http.StatusInternalServerError || env.Error == nil || env.Error.Code != "INTERNAL_ERROR" {
		t.Fatalf("got %d %+v, want 500 INTERNAL_ERROR", rec.Code, env.Error)
	}
	if strings.Contains(rec.Body.String(), "hunter2") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("body leaks internals: %s", rec.Body)
	}
	if rec.Header().Get("X-Request-Id") == "" {
		t.Error("panic response lacks X-Request-Id")
	}
	if !strings.Contains(ts.logs.String(), "panic in handler") {
		t.Errorf("panic not logged; logs:\n%s", ts.logs)
	}
}

// TestErrorTable renders every code of API.md §8 (and METHOD_NOT_ALLOWED)
// through REST's one converter: the status is written out here, not read from
// the table under test.
func TestErrorTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code   api.Code
		status int
	}{
		{"VALIDATION_ERROR", 400}, {"INVALID_FEED", 400}, {"UNAUTHORIZED", 401},
		{"INSUFFICIENT_SCOPE", 403}, {"SUBSCRIPTION_INACTIVE", 403}, {"FEED_NOT_SUBSCRIBED", 403},
		{"CATEGORY_RESTRICTED", 403}, {"TIER_INSUFFICIENT", 403}, {"NOT_FOUND", 404}, {"FEED_UNAVAILABLE", 404},
		{"METHOD_NOT_ALLOWED", 405}, {"PAYLOAD_TOO_LARGE", 413}, {"UNSUPPORTED_MEDIA_TYPE", 415},
		{"LEGAL_REVIEW_REQUIRED", 412}, {"STRIPE_CONNECT_REQUIRED", 412},
		{"RATE_LIMIT_EXCEEDED", 429}, {"INTERNAL_ERROR", 500}, {"SERVICE_UNAVAILABLE", 503},
	}
	if n := len(api.Codes()); n != len(tests) {
		t.Errorf("the error table has %d codes, want the %d here", n, len(tests))
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			rec := renderError(t, api.NewError(tt.code, "", nil))
			assertErrorBody(t, rec, tt.status, string(tt.code))
		})
	}
	t.Run("unknown error", func(t *testing.T) {
		rec := renderError(t, errors.New("pq: relation \"secret_table\" does not exist"))
		assertErrorBody(t, rec, 500, "INTERNAL_ERROR")
		if strings.Contains(rec.Body.String(), "secret_table") {
			t.Errorf("body leaks internals: %s", rec.Body)
		}
	})
	t.Run("embedder unavailable", func(t *testing.T) {
		rec := renderError(t, fmt.Errorf("embed query: %w", embed.ErrUnavailable))
		assertErrorBody(t, rec, 503, "SERVICE_UNAVAILABLE")
	})
	t.Run("rate limited", func(t *testing.T) {
		rec := renderError(t, &auth.LimitError{Kind: auth.LimitMinute, RetryAfter: 1500 * time.Millisecond})
		assertErrorBody(t, rec, 429, "RATE_LIMIT_EXCEEDED")
		if got := rec.Header().Get("Retry-After"); got != "2" {
			t.Errorf("Retry-After: got %q, want 2 (seconds, rounded up)", got)
		}
	})
}

func renderError(t *testing.T, err error) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(rec)
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	New(Deps{}).fail(c, err)
	return rec
}

func assertErrorBody(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	var env envelopeJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	if rec.Code != status || env.Error == nil || env.Error.Code != code || env.Error.Message == "" {
		t.Errorf("got %d %+v, want %d %s with a message", rec.Code, env.Error, status, code)
	}
}

func TestBodyLimitsAndJSON(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, pgtest.New(t))
	ts.router.Group("", ts.bodyLimit(maxBodyBytes, nil)).POST("/test/echo", ts.handle(func(c *gin.Context) error {
		var in struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		}
		if err := bindJSON(c, &in); err != nil {
			return err
		}
		respond(c, http.StatusOK, reply{data: in})
		return nil
	}))
	big := `{"name":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	tests := []struct {
		name, body string
		wantStatus int
		wantField  string
	}{
		{"valid", `{"name":"a","count":2}`, http.StatusOK, ""},
		{"empty", ``, http.StatusBadRequest, "body"},
		{"malformed", `{"name":`, http.StatusBadRequest, "body"},
		{"wrong type", `{"count":"two"}`, http.StatusBadRequest, "count"},
		{"trailing data", `{"name":"a"} {"name":"b"}`, http.StatusBadRequest, "body"},
		{"over 1 MiB", big, http.StatusRequestEntityTooLarge, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, env := ts.do(t, http.MethodPost, "/test/echo", map[string]string{"Content-Type": "application/json"}, tt.body)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d: %s", rec.Code, tt.wantStatus, rec.Body)
			}
			wantCode := "VALIDATION_ERROR"
			if tt.wantStatus == http.StatusRequestEntityTooLarge {
				wantCode = "PAYLOAD_TOO_LARGE"
			}
			if tt.wantField != "" && (env.Error == nil || env.Error.Code != wantCode || env.Error.Details["field"] != tt.wantField) {
				t.Errorf("error: got %+v, want %s on %s", env.Error, wantCode, tt.wantField)
			}
		})
	}
}

func TestAccessLogOmitsQueryAndHeaders(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, pgtest.New(t))
	const secret = "pg_live_abcdefgh_abcdefghijklmnopqrstuvwx"
	ts.do(t, http.MethodGet, "/api/v1/health?q=private+question&key="+secret,
		map[string]string{"Authorization": "Bearer " + secret}, "")
	logs := ts.logs.String()
	if !strings.Contains(logs, `"route":"/api/v1/health"`) {
		t.Fatalf("no access log line for the request:\n%s", logs)
	}
	for _, leak := range []string{secret, "private", "Bearer"} {
		if strings.Contains(logs, leak) {
			t.Errorf("log contains %q:\n%s", leak, logs)
		}
	}
}

// TestMCPMounted: /api/mcp passes through the same middleware as every route
// (request id, recovery) and the key check, and the MCP handler finds the
// caller and the request id in the request's context. Its context has no
// deadline: the SDK drops the answer of a request whose context ended, so
// the MCP handler bounds each tool call itself.
func TestMCPMounted(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, authOptions{})
	acct := as.NewAccount(t, auth.TierStarter, auth.AccountUpdate{})
	key := as.NewKey(t, auth.KeySpec{AccountID: acct}).Secret
	mcp := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("panic") != "" {
			panic("in the MCP handler")
		}
		p, _ := api.PrincipalFrom(r.Context())
		_, hasDeadline := r.Context().Deadline()
		fmt.Fprintf(w, "%s %s %v", p.AccountID, api.RequestIDFrom(r.Context()), hasDeadline)
	})
	s := New(Deps{API: as.API, MCP: mcp, DB: as.DB, Logger: slog.New(slog.NewJSONHandler(as.logs, nil))})
	serve := func(path string, headers map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{}`))
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	rec := serve("/api/mcp", map[string]string{"Authorization": "Bearer " + key, "X-Request-Id": "client-req-0001"})
	if want := acct.String() + " client-req-0001 false"; rec.Code != http.StatusOK || rec.Body.String() != want {
		t.Errorf("with a key: got %d %q, want 200 %q", rec.Code, rec.Body, want)
	}
	if rec = serve("/api/mcp", nil); rec.Code != http.StatusUnauthorized || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("without a key: got %d %s, want 401 with a challenge", rec.Code, rec.Header())
	}
	if rec = serve("/api/mcp?panic=1", map[string]string{"Authorization": "Bearer " + key}); rec.Code != http.StatusInternalServerError {
		t.Errorf("a panic: got %d, want 500", rec.Code)
	}
	if !strings.Contains(as.logs.String(), `"route":"/api/mcp"`) {
		t.Errorf("no access log line for /api/mcp:\n%s", as.logs)
	}
}

// TestHeadWorksWhereGetDoes: HEAD answers as GET does (status, headers),
// without a body, on public and authenticated routes alike.
func TestHeadWorksWhereGetDoes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, path := range []string{"/health", "/ready", "/api/v1/health", "/api/v1/stats", "/api/v1/usage", "/api/v1/feeds"} {
		get, head := httptest.NewRequest(http.MethodGet, path, nil), httptest.NewRequest(http.MethodHead, path, nil)
		for _, r := range []*http.Request{get, head} {
			r.Header.Set("Authorization", "Bearer "+w.Full)
		}
		getRec, headRec := httptest.NewRecorder(), httptest.NewRecorder()
		w.Handler().ServeHTTP(getRec, get)
		w.Handler().ServeHTTP(headRec, head)
		if headRec.Code != getRec.Code || headRec.Code != http.StatusOK || headRec.Body.Len() != 0 ||
			headRec.Header().Get("Content-Type") != getRec.Header().Get("Content-Type") {
			t.Errorf("HEAD %s: %d, %d body bytes, %q; GET: %d, %q", path, headRec.Code, headRec.Body.Len(),
				headRec.Header().Get("Content-Type"), getRec.Code, getRec.Header().Get("Content-Type"))
		}
	}
}

// TestReady reports each dependency: 200 while the required ones answer
// (an optional one failing is reported), 503 with Retry-After and the
// report in details.checks when a required one fails.
func TestReady(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	fail := func(context.Context) error { return errors.New("down") }
	tests := []struct {
		name   string
		checks []Check
		status int
		report string
	}{
		{"all up", []Check{{Name: "database", Required: true, Probe: db.Ping}}, 200, "map[database:ok]"},
		{"redis down", []Check{{Name: "database", Required: true, Probe: db.Ping}, {Name: "redis", Probe: fail}},
			200, "map[database:ok redis:failing]"},
		{"database down", []Check{{Name: "database", Required: true, Probe: fail}, {Name: "redis", Probe: db.Ping}},
			503, "map[database:failing redis:ok]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := &testServer{Server: New(Deps{DB: db, Checks: tt.checks}), logs: &bytes.Buffer{}}
			rec, env := ts.do(t, http.MethodGet, "/ready", nil, "")
			var report any
			if rec.Code == http.StatusOK {
				var data struct{ Checks map[string]string }
				_ = json.Unmarshal(env.Data, &data)
				report = data.Checks
			} else if env.Error != nil {
				report = env.Error.Details["checks"]
			}
			if rec.Code != tt.status || fmt.Sprint(report) != tt.report || (rec.Code == 503) != (rec.Header().Get("Retry-After") != "") {
				t.Errorf("got %d %v (Retry-After %q), want %d %s", rec.Code, report, rec.Header().Get("Retry-After"), tt.status, tt.report)
			}
		})
	}
}
