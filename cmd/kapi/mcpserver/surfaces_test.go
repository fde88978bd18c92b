package mcpserver

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSameErrorsOnBothSurfaces sends the same bad inputs through REST and MCP
// and gets the same code and field from both, the field in each surface's
// name for it (REST's q is MCP's query), and a message that names it.
func TestSameErrorsOnBothSurfaces(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	long := strings.Repeat("a", 1001)
	tests := []struct {
		name  string
		key   string
		path  string            // REST: path and query string
		feed  string            // REST: the X-PostGrad-Feed header
		tool  string            // MCP
		args  map[string]any    // MCP
		code  string            // both
		field map[string]string // "rest" and "mcp" names; nil for an error without a field
	}{
		{"limit too big", w.Full, "/knowledge/search?q=sleep&limit=51", "", "search_knowledge",
			map[string]any{"query": "sleep", "limit": 51}, "VALIDATION_ERROR", both("limit")},
		{"limit not a number", w.Full, "/knowledge/search?q=sleep&limit=five", "", "search_knowledge",
			map[string]any{"query": "sleep", "limit": "five"}, "VALIDATION_ERROR", both("limit")},
		{"negative offset", w.Full, "/knowledge/search?q=sleep&offset=-1", "", "search_knowledge",
			map[string]any{"query": "sleep", "offset": -1}, "VALIDATION_ERROR", both("offset")},
		{"offset too deep", w.Full, "/knowledge/search?q=sleep&offset=1001", "", "search_knowledge",
			map[string]any{"query": "sleep", "offset": 1001}, "VALIDATION_ERROR", both("offset")},
		{"unknown mode", w.Full, "/knowledge/search?q=sleep&mode=fuzzy", "", "search_knowledge",
			map[string]any{"query": "sleep", "mode": "fuzzy"}, "VALIDATION_ERROR", both("mode")},
		{"unknown verbosity", w.Full, "/knowledge/search?q=sleep&verbosity=loud", "", "search_knowledge",
			map[string]any{"query": "sleep", "verbosity": "loud"}, "VALIDATION_ERROR", both("verbosity")},
		{"empty category", w.Full, "/knowledge/search?q=sleep&categories=sleep,--", "", "search_knowledge",
			map[string]any{"query": "sleep", "categories": []string{"sleep", "--"}}, "VALIDATION_ERROR", both("categories")},
		{"confidence out of range", w.Full, "/knowledge/search?q=sleep&confidence_min=1.5", "", "search_knowledge",
			map[string]any{"query": "sleep", "confidence_min": 1.5}, "VALIDATION_ERROR", both("confidence_min")},
		{"confidence not a number", w.Full, "/knowledge/search?q=sleep&confidence_min=high", "", "search_knowledge",
			map[string]any{"query": "sleep", "confidence_min": "high"}, "VALIDATION_ERROR", both("confidence_min")},
		{"query missing", w.Full, "/knowledge/search", "", "search_knowledge",
			map[string]any{}, "VALIDATION_ERROR", map[string]string{"rest": "q", "mcp": "query"}},
		{"NUL in the query", w.Full, "/knowledge/search?q=a%00", "", "search_knowledge",
			map[string]any{"query": "a\x00"}, "VALIDATION_ERROR", map[string]string{"rest": "q", "mcp": "query"}},
		{"NUL in a feed slug", w.Full, "/knowledge/search?q=a&feed=%00", "", "search_knowledge",
			map[string]any{"query": "a", "feed": "\x00"}, "VALIDATION_ERROR", both("feed")},
		{"query empty", w.Full, "/knowledge/search?q=+", "", "search_knowledge",
			map[string]any{"query": " "}, "VALIDATION_ERROR", map[string]string{"rest": "q", "mcp": "query"}},
		{"query too long", w.Full, "/knowledge/search?q=" + long, "", "search_knowledge",
			map[string]any{"query": long}, "VALIDATION_ERROR", map[string]string{"rest": "q", "mcp": "query"}},
		{"unknown fusion", w.Full, "/knowledge/search?q=sleep&mode=hybrid&fusion=max", "", "search_knowledge",
			map[string]any{"query": "sleep", "mode": "hybrid", "fusion": "max"}, "VALIDATION_ERROR", both("fusion")},
		{"semantic weight out of range", w.Full, "/knowledge/search?q=sleep&mode=hybrid&semantic_weight=2", "", "search_knowledge",
			map[string]any{"query": "sleep", "mode": "hybrid", "semantic_weight": 2}, "VALIDATION_ERROR", both("semantic_weight")},
		{"malformed feed", w.Full, "/knowledge/search?q=sleep", "Not A Feed!", "search_knowledge",
			map[string]any{"query": "sleep", "feed": "Not A Feed!"}, "INVALID_FEED", both("feed")},
		{"unknown feed", w.Full, "/knowledge/search?q=sleep", "nope", "search_knowledge",
			map[string]any{"query": "sleep", "feed": "nope"}, "NOT_FOUND", nil},
		{"feed not subscribed", w.Full, "/knowledge/search?q=sleep", "unsubscribed", "search_knowledge",
			map[string]any{"query": "sleep", "feed": "unsubscribed"}, "FEED_NOT_SUBSCRIBED", nil},
		{"all for categories", w.Full, "/categories", "all", "get_category_summary",
			map[string]any{"feed": "all"}, "INVALID_FEED", both("feed")},
		{"category restricted", w.Restricted, "/knowledge/search?q=sleep&categories=diet", "", "search_knowledge",
			map[string]any{"query": "sleep", "categories": "diet"}, "CATEGORY_RESTRICTED", nil},
		{"recent days out of range", w.Full, "/knowledge/recent?days=0", "", "get_recent_knowledge",
			map[string]any{"days": 0}, "VALIDATION_ERROR", both("days")},
		{"recent since not a time", w.Full, "/knowledge/recent?since=yesterday", "", "get_recent_knowledge",
			map[string]any{"since": "yesterday"}, "VALIDATION_ERROR", both("since")},
		{"recent empty category", w.Full, "/knowledge/recent?category=--", "", "get_recent_knowledge",
			map[string]any{"category": "--"}, "VALIDATION_ERROR", both("category")},
		{"recent limit too big", w.Full, "/knowledge/recent?limit=51", "", "get_recent_knowledge",
			map[string]any{"limit": 51}, "VALIDATION_ERROR", both("limit")},
		{"entry id", w.Full, "/knowledge/42", "beta", "get_knowledge",
			map[string]any{"id": "42", "feed": "beta"}, "VALIDATION_ERROR", both("id")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rest := w.restError(t, tt.key, tt.path, tt.feed)
			res := callTool(t, w.connect(t, tt.key), tt.tool, tt.args)
			got := structured(t, res)
			details, _ := got["details"].(map[string]any)
			mcp := apiError{Code: str(got["error"]), Message: str(got["message"]), Field: str(details["field"])}
			for surface, e := range map[string]apiError{"rest": rest, "mcp": mcp} {
				if e.Code != tt.code || e.Field != tt.field[surface] || !strings.Contains(e.Message, tt.field[surface]) {
					t.Errorf("%s: got %+v, want %s on %q, the message naming it", surface, e, tt.code, tt.field[surface])
				}
			}
		})
	}
}

// both names a field the same on both surfaces.
func both(field string) map[string]string { return map[string]string{"rest": field, "mcp": field} }

type apiError struct{ Code, Message, Field string }

func str(v any) string { s, _ := v.(string); return s }

// restError makes an authenticated GET under /api/v1 and returns its error.
func (w *world) restError(t *testing.T, key, path, feed string) apiError {
	t.Helper()
	u, err := url.Parse(w.url + "/api/v1" + path)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u.String(), nil)
	req.Header.Set("Authorization", "Bearer "+key)
	if feed != "" {
		req.Header.Set("X-PostGrad-Feed", feed)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Error *struct {
			Code    string         `json:"code"`
			Message string         `json:"message"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Error == nil {
		t.Fatalf("GET %s: %d, not an error envelope (%v)", path, resp.StatusCode, err)
	}
	return apiError{Code: env.Error.Code, Message: env.Error.Message, Field: str(env.Error.Details["field"])}
}
