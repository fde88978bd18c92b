package mcpserver

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// TestMCPHTTPFuzz sends 2,000 hostile HTTP requests to /api/mcp, as the REST
// fuzz run (rest/fuzz_test.go) does to every REST route: bodies that are not
// JSON, not JSON-RPC, batches, unknown methods, tool calls whose arguments hold
// NUL, invalid UTF-8, tsquery operators, huge and negative numbers; odd methods
// and headers. None may answer 5xx, and every body is JSON (a JSON-RPC object,
// or the envelope of a refusal before MCP, such as a 401): only a notification's
// 202 has none.
func TestMCPHTTPFuzz(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	rng := rand.New(rand.NewPCG(20, 26))
	for i := range 2000 {
		req := mcpFuzzRequest(rng, w.url+"/api/mcp", w.Full)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("request %d (%s %q): %d %s", i, req.Method, req.Header.Get("Content-Type"), resp.StatusCode, body)
		}
		if resp.StatusCode != http.StatusAccepted && !json.Valid(body) {
			t.Fatalf("request %d (%s): %d, body not JSON: %q", i, req.Method, resp.StatusCode, truncated(body))
		}
	}
}

// mcpFuzzRequest is one hostile request to url, mostly a well-formed POST
// authenticated as key, so that most bodies reach the tools.
func mcpFuzzRequest(rng *rand.Rand, url, key string) *http.Request {
	method := http.MethodPost
	if rng.IntN(10) == 0 {
		method = []string{http.MethodGet, http.MethodDelete, http.MethodPut}[rng.IntN(3)]
	}
	req, _ := http.NewRequest(method, url, strings.NewReader(mcpFuzzBody(rng)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if rng.IntN(10) == 0 {
		req.Header.Set("Content-Type", []string{"text/plain", "", "application/json; charset=latin1"}[rng.IntN(3)])
	}
	if rng.IntN(10) == 0 {
		req.Header.Set("Accept", []string{"application/json", "", "text/html"}[rng.IntN(3)])
	}
	if rng.IntN(10) > 0 {
		req.Header.Set("Authorization", "Bearer "+key)
	} else {
		req.Header.Set("Authorization", []string{"Bearer pg_live_nope", "Bearer \xff\xfe", "Basic x", ""}[rng.IntN(4)])
	}
	return req
}

// mcpFuzzBody is a random body, written by hand so that it can hold invalid
// UTF-8 and NUL bytes that encoding/json would replace.
func mcpFuzzBody(rng *rand.Rand) string {
	id := []string{"1", "-1", "1e308", `"x"`, "null", "[1]", "99999999999999999999999"}[rng.IntN(7)]
	switch rng.IntN(8) {
	case 0:
		return []string{"", "{", "not json", "\xff\xfe", "[]", "[1,2]", "null", `{"jsonrpc":"1.0"}`}[rng.IntN(8)]
	case 1:
		return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":%q}`, id, []string{"tools/list", "nope", "", "initialize", "resources/list"}[rng.IntN(5)])
	case 2:
		return fmt.Sprintf(`[{"jsonrpc":"2.0","id":%s,"method":"tools/list"},{"jsonrpc":"2.0","method":"x"}]`, id)
	case 3:
		return `{"jsonrpc":"2.0","method":"notifications/initialized"}`
	}
	names := []string{"search_knowledge", "get_recent_knowledge", "get_category_summary", "list_feeds", "get_knowledge", "subscribe_feed", "get_usage", "no_such_tool"}
	var args []string
	for _, a := range []string{"query", "feed", "mode", "limit", "offset", "categories", "id", "semantic_weight", "days"} {
		if rng.IntN(3) == 0 {
			args = append(args, fmt.Sprintf(`"%s":%s`, a, fuzzValue(rng)))
		}
	}
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":{%s}}}`,
		id, names[rng.IntN(len(names))], strings.Join(args, ","))
}

// fuzzValue is a random JSON value as text: strings with NUL (escaped or
// raw), invalid UTF-8, operators; huge and negative numbers; lists; objects.
func fuzzValue(rng *rand.Rand) string {
	switch rng.IntN(5) {
	case 0:
		return []string{"-1", "1e308", "-1e308", "9007199254740993", "0.5", "true"}[rng.IntN(6)]
	case 1:
		return `["` + fuzzText(rng) + `", 7]`
	case 2:
		return `{"x":"` + fuzzText(rng) + `"}`
	}
	return `"` + fuzzText(rng) + `"`
}

func fuzzText(rng *rand.Rand) string {
	return []string{`\u0000`, "a\x00b", "\xff", "sleep & !x <-> y:*", `\"open`, "-", "all", "alpha", "", strings.Repeat("z", 3000)}[rng.IntN(10)]
}

func truncated(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
