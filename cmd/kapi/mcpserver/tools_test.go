package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
)

func TestListTools(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	res, err := w.connect(t, w.Full).ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*mcp.Tool{}
	for _, tool := range res.Tools {
		got[tool.Name] = tool
	}
	want := map[string]bool{"search_knowledge": true, "get_recent_knowledge": true, "get_category_summary": true,
		"list_feeds": true, "get_knowledge": true, "subscribe_feed": false, "get_usage": true}
	if len(got) != len(want) {
		t.Errorf("got %d tools, want %d", len(got), len(want))
	}
	for name, readOnly := range want {
		tool := got[name]
		if tool == nil {
			t.Errorf("tool %s missing", name)
			continue
		}
		if tool.Description == "" || tool.Annotations == nil || tool.Annotations.ReadOnlyHint != readOnly ||
			!tool.Annotations.IdempotentHint {
			t.Errorf("%s: description %q, annotations %+v; want a description, readOnlyHint %v and idempotentHint",
				name, tool.Description, tool.Annotations, readOnly)
		}
		if tool.OutputSchema == nil {
			t.Errorf("%s: no output schema", name)
		}
	}
	schema, _ := json.Marshal(got["search_knowledge"].InputSchema)
	var in struct {
		Required   []string
		Properties map[string]struct{ Type any }
	}
	if err := json.Unmarshal(schema, &in); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in.Required, []string{"query"}) {
		t.Errorf("search_knowledge required = %v, want [query]", in.Required)
	}
	for prop, typ := range map[string]string{"limit": "[integer string]", "categories": "[array string]",
		"confidence_min": "[number string]"} {
		if got := fmt.Sprint(in.Properties[prop].Type); got != typ {
			t.Errorf("search_knowledge %s type = %s, want %s (lenient)", prop, got, typ)
		}
	}
}

func TestToolsSucceed(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	cs := w.connect(t, w.Full)
	tests := []struct {
		tool string
		args map[string]any
		list string // the result list
		n    int    // its wanted length
		feed string // wanted feeds[0].slug, "" for none
	}{
		{"search_knowledge", map[string]any{"query": "sleep"}, "entries", 5, "alpha"},
		{"search_knowledge", map[string]any{"query": "sleep", "feed": "beta", "mode": "hybrid", "limit": 2}, "entries", 2, "beta"},
		{"search_knowledge", map[string]any{"query": "sleep", "feed": "all", "limit": 50}, "entries", 9, "alpha"},
		{"search_knowledge", map[string]any{"query": "sleep", "categories": []string{"diet"}, "limit": 50}, "entries", 3, "alpha"},
		{"get_recent_knowledge", map[string]any{}, "entries", 5, "alpha"},
		{"get_recent_knowledge", map[string]any{"feed": "all", "days": 1, "limit": 50}, "entries", 9, "alpha"},
		{"get_recent_knowledge", map[string]any{"feed": "beta", "since": "2000-01-01T00:00:00Z", "category": "sleep"}, "entries", 2, "beta"},
		{"get_category_summary", map[string]any{"feed": "beta"}, "categories", 2, "beta"},
		{"list_feeds", nil, "feeds", 4, ""}, // the published alpha, beta and unsubscribed, and gone (subscribed)
		{"get_knowledge", map[string]any{"id": w.Entry["beta"].String(), "feed": w.Feed["beta"].ID.String()}, "", 0, "beta"},
		{"subscribe_feed", map[string]any{"feed": "unsubscribed"}, "", 0, ""},
		{"get_usage", nil, "", 0, ""},
	}
	for _, tt := range tests {
		res := callTool(t, cs, tt.tool, tt.args)
		got := structured(t, res)
		if res.IsError {
			t.Errorf("%s(%v): error %v", tt.tool, tt.args, got)
			continue
		}
		if tt.list != "" {
			if n := len(got[tt.list].([]any)); n != tt.n {
				t.Errorf("%s(%v): got %d %s, want %d", tt.tool, tt.args, n, tt.list, tt.n)
			}
		}
		if tt.feed != "" {
			if slug := got["feeds"].([]any)[0].(map[string]any)["slug"]; slug != tt.feed {
				t.Errorf("%s(%v): served by %v, want %s", tt.tool, tt.args, slug, tt.feed)
			}
		}
		checkMeta(t, tt.tool, got)
		checkOutputSchema(t, cs, tt.tool, got)
	}
}

// checkMeta: every result carries REST's usage facts: the request id, the
// usage counters of meta and the per-minute limit of the X-RateLimit-* headers.
func checkMeta(t *testing.T, tool string, got map[string]any) {
	t.Helper()
	m, _ := got["meta"].(map[string]any)
	rate, _ := m["rate_limit"].(map[string]any)
	for _, k := range []string{"request_id", "queries_used", "queries_limit", "queries_remaining", "period_start", "period_end", "tier"} {
		if m[k] == nil {
			t.Errorf("%s: meta lacks %s: %v", tool, k, m)
		}
	}
	for _, k := range []string{"limit", "remaining", "reset"} {
		if _, ok := rate[k].(float64); !ok {
			t.Errorf("%s: meta.rate_limit lacks %s: %v", tool, k, m)
		}
	}
}

// checkOutputSchema validates a result against the tool's declared output
// schema, as MCP clients do.
func checkOutputSchema(t *testing.T, cs *mcp.ClientSession, tool string, got map[string]any) {
	t.Helper()
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range tools.Tools {
		if tl.Name != tool {
			continue
		}
		raw, _ := json.Marshal(tl.OutputSchema)
		var s jsonschema.Schema
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatal(err)
		}
		resolved, err := s.Resolve(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := resolved.Validate(got); err != nil {
			t.Errorf("%s: result does not match its output schema: %v", tool, err)
		}
	}
}

func TestToolErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	inactive := w.NewAccount(t, auth.TierScale, auth.AccountUpdate{Status: new(auth.StatusPastDue)})
	inactiveKey := w.NewKey(t, auth.KeySpec{AccountID: inactive, Env: auth.EnvLive}).Secret
	unsubscribed := w.NewKey(t, auth.KeySpec{AccountID: w.NewAccount(t, auth.TierScale, auth.AccountUpdate{}), Env: auth.EnvLive}).Secret
	tests := []struct {
		name, key, tool string
		args            map[string]any
		code            api.Code
		field           string // details.field, for VALIDATION_ERROR
	}{
		{"feed not subscribed", w.Full, "search_knowledge", map[string]any{"query": "sleep", "feed": "unsubscribed"}, api.CodeFeedNotSubscribed, ""},
		{"no subscriptions", unsubscribed, "get_category_summary", nil, api.CodeFeedNotSubscribed, ""},
		{"unknown feed", w.Full, "search_knowledge", map[string]any{"query": "sleep", "feed": "nope"}, api.CodeNotFound, ""},
		{"malformed feed", w.Full, "get_recent_knowledge", map[string]any{"feed": "Not A Slug!"}, api.CodeInvalidFeed, ""},
		{"all for categories", w.Full, "get_category_summary", map[string]any{"feed": "all"}, api.CodeInvalidFeed, ""},
		{"all for get", w.Full, "get_knowledge", map[string]any{"id": w.Entry["alpha"].String(), "feed": "all"}, api.CodeInvalidFeed, ""},
		{"get without feed, several feeds", w.Full, "get_knowledge", map[string]any{"id": w.Entry["alpha"].String(), "feed": ""}, api.CodeInvalidFeed, ""},
		{"archived feed", w.Full, "search_knowledge", map[string]any{"query": "sleep", "feed": "gone"}, api.CodeFeedUnavailable, ""},
		{"category restricted", w.Restricted, "search_knowledge", map[string]any{"query": "sleep", "categories": "diet"}, api.CodeCategoryRestricted, ""},
		{"category restricted recent", w.Restricted, "get_recent_knowledge", map[string]any{"category": "diet"}, api.CodeCategoryRestricted, ""},
		{"no feeds:write", w.Reader, "subscribe_feed", map[string]any{"feed": "unsubscribed"}, api.CodeInsufficientScope, ""},
		{"inactive account", inactiveKey, "search_knowledge", map[string]any{"query": "sleep"}, api.CodeSubscriptionInactive, ""},
		{"entry of another feed", w.Full, "get_knowledge", map[string]any{"id": w.Entry["alpha"].String(), "feed": "beta"}, api.CodeNotFound, ""},
		{"bad id", w.Full, "get_knowledge", map[string]any{"id": "42", "feed": "beta"}, api.CodeValidation, "id"},
		{"limit too big", w.Full, "search_knowledge", map[string]any{"query": "sleep", "limit": 51}, api.CodeValidation, "limit"},
		{"limit not a number", w.Full, "search_knowledge", map[string]any{"query": "sleep", "limit": "five"}, api.CodeValidation, "limit"},
		{"confidence out of range", w.Full, "search_knowledge", map[string]any{"query": "sleep", "confidence_min": "1.5"}, api.CodeValidation, "confidence_min"},
		{"unknown mode", w.Full, "search_knowledge", map[string]any{"query": "sleep", "mode": "fuzzy"}, api.CodeValidation, "mode"},
		{"unknown fusion", w.Full, "search_knowledge", map[string]any{"query": "sleep", "mode": "hybrid", "fusion": "max"}, api.CodeValidation, "fusion"},
		{"semantic weight out of range", w.Full, "search_knowledge", map[string]any{"query": "sleep", "mode": "hybrid", "semantic_weight": 2}, api.CodeValidation, "semantic_weight"},
		{"blank query", w.Full, "search_knowledge", map[string]any{"query": "  "}, api.CodeValidation, "query"},
		{"bad since", w.Full, "get_recent_knowledge", map[string]any{"since": "yesterday"}, api.CodeValidation, "since"},
		{"subscribe to unknown feed", w.Full, "subscribe_feed", map[string]any{"feed": "nope"}, api.CodeNotFound, ""},
		{"subscribe to archived feed", w.Full, "subscribe_feed", map[string]any{"feed": "gone"}, api.CodeFeedUnavailable, ""},
		// Missing arguments and arguments of the wrong shape: tool errors too,
		// so that a model can correct itself.
		{"missing query", w.Full, "search_knowledge", map[string]any{"limit": 3}, api.CodeValidation, "query"},
		{"limit of the wrong type", w.Full, "search_knowledge", map[string]any{"query": "sleep", "limit": true}, api.CodeValidation, "limit"},
		{"list where a string belongs", w.Full, "get_knowledge", map[string]any{"id": []string{"a"}, "feed": "beta"}, api.CodeValidation, "id"},
		{"categories of the wrong type", w.Full, "search_knowledge", map[string]any{"query": "sleep", "categories": 5}, api.CodeValidation, "categories"},
		{"missing feed", w.Full, "subscribe_feed", nil, api.CodeValidation, "feed"},
		{"empty category", w.Full, "search_knowledge", map[string]any{"query": "sleep", "categories": []string{"sleep", "--"}}, api.CodeValidation, "categories"},
	}
	before := w.Used(t, w.Account, auth.EnvLive)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := callTool(t, w.connect(t, tt.key), tt.tool, tt.args)
			got := structured(t, res)
			if !res.IsError || got["error"] != string(tt.code) || got["message"] == "" {
				t.Errorf("%s(%v) = isError %v, %v; want isError, error %s and a message", tt.tool, tt.args, res.IsError, got, tt.code)
			}
			details, _ := got["details"].(map[string]any)
			if tt.field != "" && details["field"] != tt.field {
				t.Errorf("%s(%v): details %v, want field %s", tt.tool, tt.args, details, tt.field)
			}
			checkMeta(t, tt.tool, got)
		})
	}
	if after := w.Used(t, w.Account, auth.EnvLive); after != before {
		t.Errorf("failed calls used %d quota units, want 0", after-before)
	}
}

// TestProtocolErrors: an unknown tool is a JSON-RPC error; bad arguments are
// tool errors (TestToolErrors).
func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	cs := w.connect(t, w.Full)
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "drop_tables"})
	if err == nil {
		t.Errorf("unknown tool: got result %+v, want a JSON-RPC error", res)
	}
	if got := w.Used(t, w.Account, auth.EnvLive); got != 0 {
		t.Errorf("protocol errors used %d quota units, want 0", got)
	}
}

func TestLenientArguments(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	cs := w.connect(t, w.Full)
	tests := []struct {
		name string
		args map[string]any
		want int
	}{
		{"limit as a string", map[string]any{"query": "sleep", "limit": "2"}, 2},
		{"limit as a float", map[string]any{"query": "sleep", "limit": 3.0}, 3},
		{"categories as a comma string", map[string]any{"query": "sleep", "categories": "diet, sleep", "limit": 50}, 6},
		{"categories as an array", map[string]any{"query": "sleep", "categories": []string{"sleep"}, "limit": 50}, 3},
		{"confidence as a string", map[string]any{"query": "sleep", "confidence_min": "0.55", "limit": "50"}, 3},
		{"unknown argument ignored", map[string]any{"query": "sleep", "color": "blue"}, 5},
		{"offset pages on", map[string]any{"query": "sleep", "offset": "3"}, 3},
	}
	for _, tt := range tests {
		got := structured(t, callTool(t, cs, "search_knowledge", tt.args))
		if entries, _ := got["entries"].([]any); len(entries) != tt.want {
			t.Errorf("%s: search_knowledge(%v) = %v; want %d results", tt.name, tt.args, got, tt.want)
		}
	}
}

// TestSearchHighlightsOnlyInFull: search_knowledge results carry a highlight
// in full verbosity and none in compact (the default).
func TestSearchHighlightsOnlyInFull(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	cs := w.connect(t, w.Full)
	for _, verbosity := range []string{"full", "compact"} {
		res := callTool(t, cs, "search_knowledge", map[string]any{"query": "sleep", "verbosity": verbosity})
		got := structured(t, res)
		if res.IsError {
			t.Fatalf("%s: error %v", verbosity, got)
		}
		first := got["entries"].([]any)[0].(map[string]any)
		h, ok := first["highlight"].(map[string]any)
		if ok != (verbosity == "full") {
			t.Errorf("%s: highlight %v, want one only in full", verbosity, first["highlight"])
		}
		if ok && !strings.Contains(h["text"].(string), "<mark>") {
			t.Errorf("%s: highlight %v marks nothing for a keyword match", verbosity, h)
		}
		checkOutputSchema(t, cs, "search_knowledge", got)
	}
}
