package mcpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/wire"
)

// principalKey carries the authenticated caller from the HTTP middleware to the
// tool handlers, within this adapter; the domain packages still take identities
// as parameters.
type principalKey struct{}

// requestIDKey carries the request id, for log lines.
type requestIDKey struct{}

// saneRequestID is what an incoming X-Request-Id must look like to be echoed.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// authenticate verifies the Bearer key before any MCP processing and puts the
// Principal in the request context. A missing, malformed, unknown, revoked or
// expired key is a 401 with WWW-Authenticate: Bearer and REST's error envelope;
// a failed key lookup is a 503. Every response carries X-Request-Id.
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("Cache-Control", "no-store")
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		header := r.Header.Get("Authorization")
		p, err := s.keys.Authenticate(ctx, bearerKey(header))
		if err != nil {
			s.refuseKey(w, r.WithContext(ctx), header, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, principalKey{}, p)))
	})
}

// refuseKey answers a request whose key did not verify.
func (s *server) refuseKey(w http.ResponseWriter, r *http.Request, header string, err error) {
	var e *toolError
	switch {
	case errors.Is(err, auth.ErrMalformedKey) && bearerKey(header) != "":
		e = newError(wire.CodeUnauthorized, "Malformed API key: expected "+auth.KeyShape+".", nil)
	case errors.Is(err, auth.ErrMalformedKey), errors.Is(err, auth.ErrUnauthorized):
		e = newError(wire.CodeUnauthorized, "", nil)
	default:
		s.logger.ErrorContext(r.Context(), "mcp key lookup failed", "request_id", requestID(r.Context()), "error", err)
		writeEnvelope(w, r, http.StatusServiceUnavailable, newError(wire.CodeServiceUnavailable, "", nil))
		return
	}
	challenge := `Bearer realm="kapi"`
	if header != "" {
		challenge += `, error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeEnvelope(w, r, http.StatusUnauthorized, e)
}

// writeEnvelope writes REST's error envelope (API.md §3) for a refusal that
// happens before MCP processing.
func writeEnvelope(w http.ResponseWriter, r *http.Request, status int, e *toolError) {
	type errorBody struct {
		Code    wire.Code `json:"code"`
		Message string    `json:"message"`
	}
	body := struct {
		Data  any               `json:"data"`
		Meta  map[string]string `json:"meta"`
		Error errorBody         `json:"error"`
	}{Meta: map[string]string{"request_id": requestID(r.Context())}, Error: errorBody{e.Code, e.Message}}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body) // the client may be gone; nothing to do then
}

// bearerKey returns the key of an "Authorization: Bearer <key>" header, or ""
// (a malformed key) when the header is absent or has another scheme.
func bearerKey(header string) string {
	scheme, key, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(key)
}

// principalFrom returns the caller put in ctx by authenticate.
func principalFrom(ctx context.Context) (auth.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(auth.Principal)
	return p, ok
}

// requestID returns the request id put in ctx by authenticate, or "".
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return "req_" + hex.EncodeToString(b)
}
