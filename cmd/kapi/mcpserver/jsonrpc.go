package mcpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// JSON-RPC 2.0 error codes of a request kapi cannot take.
const (
	rpcParseError     = -32700 // not JSON
	rpcInvalidRequest = -32600 // JSON, but not a JSON-RPC message the server takes
)

// rpcErrorBody is a JSON-RPC error response; the id is null when the
// request's could not be read.
type rpcErrorBody struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   rpcError        `json:"error"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func writeRPCError(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(rpcErrorBody{JSONRPC: "2.0", ID: json.RawMessage("null"),
		Error: rpcError{Code: code, Message: message}})
}

// jsonRPCErrors puts the JSON-RPC error object, as JSON, in every refusal:
// a POST that is not application/json (415), not JSON (400, -32700) or not
// a JSON-RPC 2.0 message (400, -32600) is answered here; any other refusal
// the SDK writes as plain text is rewritten as a JSON-RPC error of the same
// status.
func jsonRPCErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && !precheck(w, r) {
			return
		}
		jw := &jsonErrors{ResponseWriter: w}
		next.ServeHTTP(jw, r)
		jw.finish()
	})
}

// precheck reads the body of a POST and refuses what is not a JSON-RPC
// message; it puts the body back for the SDK.
func precheck(w http.ResponseWriter, r *http.Request) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeRPCError(w, http.StatusUnsupportedMediaType, rpcInvalidRequest, "Content-Type must be application/json")
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, api.MaxBodyBytes+1))
	switch {
	case err != nil || len(body) > api.MaxBodyBytes:
		writeRPCError(w, http.StatusRequestEntityTooLarge, rpcInvalidRequest, "the request must be readable and at most 1 MiB")
		return false
	case !json.Valid(body):
		writeRPCError(w, http.StatusBadRequest, rpcParseError, "Parse error: the body is not JSON")
		return false
	case !isRPCMessage(body):
		writeRPCError(w, http.StatusBadRequest, rpcInvalidRequest, `Invalid Request: not a JSON-RPC 2.0 message ("jsonrpc": "2.0" with a method, or a response)`)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

// isRPCMessage reports whether body is a JSON-RPC 2.0 request, notification
// or response (a batch is left to the SDK).
func isRPCMessage(body []byte) bool {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return true
	}
	var m struct {
		JSONRPC string          `json:"jsonrpc"`
		Method  *string         `json:"method"`
		Result  json.RawMessage `json:"result"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &m) != nil || m.JSONRPC != "2.0" {
		return false
	}
	return (m.Method != nil && *m.Method != "") || m.Result != nil || m.Error != nil
}

// jsonErrors passes the SDK's answers through, except a refusal (4xx or
// 5xx) that is not JSON: that one becomes a JSON-RPC error with the SDK's
// words.
type jsonErrors struct {
	http.ResponseWriter
	status  int
	swallow bool // a non-JSON refusal: its text is kept for finish
	text    strings.Builder
}

func (j *jsonErrors) WriteHeader(status int) {
	j.status = status
	ct := j.Header().Get("Content-Type")
	if status >= http.StatusBadRequest && !strings.HasPrefix(ct, "application/json") {
		j.swallow = true
		return
	}
	j.ResponseWriter.WriteHeader(status)
}

func (j *jsonErrors) Write(b []byte) (int, error) {
	if j.status == 0 {
		j.WriteHeader(http.StatusOK)
	}
	if j.swallow {
		j.text.Write(b)
		return len(b), nil
	}
	return j.ResponseWriter.Write(b)
}

// Flush passes a flush through, unless the answer is being rewritten.
func (j *jsonErrors) Flush() {
	if f, ok := j.ResponseWriter.(http.Flusher); ok && !j.swallow {
		f.Flush()
	}
}

// finish writes the rewritten refusal, if there is one.
func (j *jsonErrors) finish() {
	if !j.swallow {
		return
	}
	msg := strings.TrimSpace(j.text.String())
	if msg == "" {
		msg = http.StatusText(j.status)
	}
	j.Header().Del("Content-Length")
	writeRPCError(j.ResponseWriter, j.status, rpcInvalidRequest, msg)
}
