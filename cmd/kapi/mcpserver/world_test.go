package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/kapitest"
	"github.com/kapi-project/kapi/cmd/kapi/rest"
)

// world is a running kapi for MCP tests: the shared test world (kapitest)
// with its catalogue, served as `kapi serve` serves it: REST's router with
// this package's handler at /api/mcp, on a real HTTP server.
type world struct {
	*kapitest.World
	url string // the server's base URL
}

// newWorld starts the server with pol's limits (nil: limits tests never reach).
func newWorld(t *testing.T, pol *auth.Policy) *world {
	t.Helper()
	if pol == nil {
		pol = kapitest.Generous()
	}
	w := kapitest.New(t, kapitest.Options{Policy: pol}).Populate(t)
	server := rest.New(rest.Deps{API: w.API, MCP: New(Deps{API: w.API}), DB: w.DB})
	srv := httptest.NewServer(server.Handler())
	t.Cleanup(srv.Close)
	return &world{World: w, url: srv.URL}
}

// bearerTransport adds an Authorization header to every request.
type bearerTransport struct{ key string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return http.DefaultTransport.RoundTrip(r)
}

// connect opens an MCP session with the SDK's own client over HTTP, as key.
func (w *world) connect(t *testing.T, key string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "kapi-test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: w.url + "/api/mcp",
		HTTPClient: &http.Client{Transport: bearerTransport{key}}}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// callTool calls a tool and returns the result; a JSON-RPC error fails the test.
func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): %v", name, args, err)
	}
	return res
}

// structured decodes a result's structured content, checking that
// content[0].text holds the same JSON.
func structured(t *testing.T, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var got, text map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("structured content %s: %v", raw, err)
	}
	if len(res.Content) == 0 {
		t.Fatal("result has no content")
	}
	tc, ok := res.Content[0].(*mcp.TextContent)
	if !ok {
		t.Fatalf("content[0] is %T, want text", res.Content[0])
	}
	if err := json.Unmarshal([]byte(tc.Text), &text); err != nil {
		t.Fatalf("content[0].text is not JSON: %q", tc.Text)
	}
	if a, b := fmt.Sprint(text), fmt.Sprint(got); a != b {
		t.Errorf("content[0].text = %s, structured content = %s; want the same object", a, b)
	}
	return got
}
