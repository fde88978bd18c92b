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
	"github.com/kapi-project/kapi/cmd/kapi/wire"
)

func TestListTools(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	res, err := w.connect(t, w.full).ListTools(context.Background(), nil)
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
		if tool.Description == "" || tool.Annotations == nil || tool.Annotations.ReadOnlyHint != readOnly {
			t.Errorf("%s: description %q, annotations %+v; want a description and readOnlyHint %v",
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
	cs := w.connect(t, w.full)
	tests := []struct {
		tool string
		args map[string]any
		list string // the result list
		n    int    // its wanted length
		feed string // wanted feeds[0].slug, "" for none
	}{
		{"search_knowledge", map[string]any{"query": "sleep"}, "results", 5, "alpha"},
		{"search_knowledge", map[string]any{"query": "sleep", "feed": "beta", "mode": "hybrid", "limit": 2}, "results", 2, "beta"},
		{"search_knowledge", map[string]any{"query": "sleep", "feed": "all", "limit": 50}, "results", 9, "alpha"},
		{"search_knowledge", map[string]any{"query": "sleep", "categories": []string{"diet"}, "limit": 50}, "results", 3, "alpha"},
		{"get_recent_knowledge", map[string]any{}, "entries", 5, "alpha"},
		{"get_recent_knowledge", map[string]any{"feed": "all", "days": 1, "limit": 50}, "entries", 9, "alpha"},
		{"get_recent_knowledge", map[string]any{"feed": "beta", "since": "2000-01-01T00:00:00Z", "category": "sleep"}, "entries", 2, "beta"},
		{"get_category_summary", map[string]any{"feed": "beta"}, "categories", 2, "beta"},
		{"list_feeds", nil, "feeds", 4, ""}, // the published alpha, beta and other, and gone (subscribed)
		{"get_knowledge", map[string]any{"id": w.entry["beta"].String(), "feed": w.feed["beta"].String()}, "", 0, "beta"},
		{"subscribe_feed", map[string]any{"feed": "other"}, "", 0, ""},
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
		checkOutputSchema(t, cs, tt.tool, got)
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
	inactive := w.newAccount(t, auth.TierScale, auth.AccountUpdate{Status: new(auth.StatusPastDue)})
	inactiveKey := w.newKey(t, auth.KeySpec{AccountID: inactive, Env: auth.EnvLive})
	unsubscribed := w.newKey(t, auth.KeySpec{AccountID: w.newAccount(t, auth.TierScale, auth.AccountUpdate{}), Env: auth.EnvLive})
	tests := []struct {
		name, key, tool string
		args            map[string]any
		code            wire.Code
	}{
		{"feed not subscribed", w.full, "search_knowledge", map[string]any{"query": "sleep", "feed": "other"}, wire.CodeFeedNotSubscribed},
		{"no subscriptions", unsubscribed, "get_category_summary", nil, wire.CodeFeedNotSubscribed},
		{"unknown feed", w.full, "search_knowledge", map[string]any{"query": "sleep", "feed": "nope"}, wire.CodeNotFound},
		{"malformed feed", w.full, "get_recent_knowledge", map[string]any{"feed": "Not A Slug!"}, wire.CodeInvalidFeed},
		{"all for categories", w.full, "get_category_summary", map[string]any{"feed": "all"}, wire.CodeInvalidFeed},
		{"all for get", w.full, "get_knowledge", map[string]any{"id": w.entry["alpha"].String(), "feed": "all"}, wire.CodeInvalidFeed},
		{"get without feed, several feeds", w.full, "get_knowledge", map[string]any{"id": w.entry["alpha"].String(), "feed": ""}, wire.CodeInvalidFeed},
		{"archived feed", w.full, "search_knowledge", map[string]any{"query": "sleep", "feed": "gone"}, wire.CodeFeedUnavailable},
		{"category restricted", w.sleepy, "search_knowledge", map[string]any{"query": "sleep", "categories": "diet"}, wire.CodeCategoryRestricted},
		{"category restricted recent", w.sleepy, "get_recent_knowledge", map[string]any{"category": "diet"}, wire.CodeCategoryRestricted},
		{"no feeds:write", w.reader, "subscribe_feed", map[string]any{"feed": "other"}, wire.CodeInsufficientScope},
		{"inactive account", inactiveKey, "search_knowledge", map[string]any{"query": "sleep"}, wire.CodeSubscriptionInactive},
		{"entry of another feed", w.full, "get_knowledge", map[string]any{"id": w.entry["alpha"].String(), "feed": "beta"}, wire.CodeNotFound},
		{"bad id", w.full, "get_knowledge", map[string]any{"id": "42", "feed": "beta"}, wire.CodeValidation},
		{"limit too big", w.full, "search_knowledge", map[string]any{"query": "sleep", "limit": 51}, wire.CodeValidation},
		{"limit not a number", w.full, "search_knowledge", map[string]any{"query": "sleep", "limit": "five"}, wire.CodeValidation},
		{"confidence out of range", w.full, "search_knowledge", map[string]any{"query": "sleep", "confidence_min": "1.5"}, wire.CodeValidation},
		{"unknown mode", w.full, "search_knowledge", map[string]any{"query": "sleep", "mode": "fuzzy"}, wire.CodeValidation},
		{"unknown fusion", w.full, "search_knowledge", map[string]any{"query": "sleep", "mode": "hybrid", "fusion": "max"}, wire.CodeValidation},
		{"semantic weight out of range", w.full, "search_knowledge", map[string]any{"query": "sleep", "mode": "hybrid", "semantic_weight": 2}, wire.CodeValidation},
		{"blank query", w.full, "search_knowledge", map[string]any{"query": "  "}, wire.CodeValidation},
		{"bad since", w.full, "get_recent_knowledge", map[string]any{"since": "yesterday"}, wire.CodeValidation},
		{"subscribe to unknown feed", w.full, "subscribe_feed", map[string]any{"feed": "nope"}, wire.CodeNotFound},
		{"subscribe to archived feed", w.full, "subscribe_feed", map[string]any{"feed": "gone"}, wire.CodeFeedUnavailable},
	}
	before := w.used(t, w.account)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := callTool(t, w.connect(t, tt.key), tt.tool, tt.args)
			got := structured(t, res)
			if !res.IsError || got["error"] != string(tt.code) || got["message"] == "" {
				t.Errorf("%s(%v) = isError %v, %v; want isError, error %s and a message", tt.tool, tt.args, res.IsError, got, tt.code)
			}
		})
	}
	if after := w.used(t, w.account); after != before {
		t.Errorf("failed calls used %d quota units, want 0", after-before)
	}
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	cs := w.connect(t, w.full)
	tests := []struct {
		name, tool string
		args       map[string]any
	}{
		{"unknown tool", "drop_tables", nil},
		{"missing required argument", "search_knowledge", map[string]any{"limit": 3}},
		{"wrong type", "search_knowledge", map[string]any{"query": "sleep", "limit": true}},
		{"list where a string belongs", "get_knowledge", map[string]any{"id": []string{"a"}, "feed": "beta"}},
	}
	for _, tt := range tests {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tt.name, Arguments: tt.args})
		if err == nil {
			t.Errorf("%s: got result %+v, want a JSON-RPC error", tt.name, res)
		}
	}
	if got := w.used(t, w.account); got != 0 {
		t.Errorf("protocol errors used %d quota units, want 0", got)
	}
}

func TestLenientArguments(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	cs := w.connect(t, w.full)
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
		{"unknown argument ignored", map[string]any{"query": "sleep", "offset": 3}, 5},
	}
	for _, tt := range tests {
		got := structured(t, callTool(t, cs, "search_knowledge", tt.args))
		if results, _ := got["results"].([]any); len(results) != tt.want {
			t.Errorf("%s: search_knowledge(%v) = %v; want %d results", tt.name, tt.args, got, tt.want)
		}
	}
}

// TestSearchHighlightsOnlyInFull: search_knowledge results carry a highlight
// in full verbosity and none in compact (the default).
func TestSearchHighlightsOnlyInFull(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	cs := w.connect(t, w.full)
	for _, verbosity := range []string{"full", "compact"} {
		res := callTool(t, cs, "search_knowledge", map[string]any{"query": "sleep", "verbosity": verbosity})
		got := structured(t, res)
		if res.IsError {
			t.Fatalf("%s: error %v", verbosity, got)
		}
		first := got["results"].([]any)[0].(map[string]any)
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
