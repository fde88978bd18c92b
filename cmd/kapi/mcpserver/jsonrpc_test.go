package mcpserver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestMalformedRequestsGetJSONRPCErrors: whatever is wrong with a request to
// /api/mcp, the answer is JSON: the JSON-RPC error object with -32700 for
// what is not JSON and -32600 for what is not a JSON-RPC message the server
// takes, with the HTTP status saying why.
func TestMalformedRequestsGetJSONRPCErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	tests := []struct {
		name, method, contentType, body string
		status, code                    int
	}{
		{"not JSON", "POST", "application/json", `{"jsonrpc":`, 400, -32700},
		{"binary", "POST", "application/json", "\x00\xff", 400, -32700},
		{"not JSON-RPC", "POST", "application/json", `{"hello":"world"}`, 400, -32600},
		{"wrong version", "POST", "application/json", `{"jsonrpc":"1.0","id":1,"method":"tools/list"}`, 400, -32600},
		{"no method", "POST", "application/json", `{"jsonrpc":"2.0","id":1}`, 400, -32600},
		{"a string", "POST", "application/json", `"tools/list"`, 400, -32600},
		{"text body", "POST", "text/plain", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, 415, -32600},
		{"no content type", "POST", "", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, 415, -32600},
		{"PUT", "PUT", "application/json", `{}`, 405, -32600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, w.url+"/api/mcp", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+w.Full)
			req.Header.Set("Accept", "application/json, text/event-stream")
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got rpcErrorBody
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || got.JSONRPC != "2.0" {
				t.Fatalf("%d: body is not a JSON-RPC error (%v)", resp.StatusCode, err)
			}
			if resp.StatusCode != tt.status || got.Error.Code != tt.code || got.Error.Message == "" ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("got %d %+v (%s), want %d with code %d", resp.StatusCode, got.Error,
					resp.Header.Get("Content-Type"), tt.status, tt.code)
			}
		})
	}
}
