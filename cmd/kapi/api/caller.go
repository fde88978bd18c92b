package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/kapi-project/kapi/auth"
)

// saneRequestID is what an incoming request id must look like to be echoed.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// RequestID is the id of a request: incoming (a client's X-Request-Id) when it
// looks sane, else a fresh one.
func RequestID(incoming string) string {
	if saneRequestID.MatchString(incoming) {
		return incoming
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return "req_" + hex.EncodeToString(b)
}

// BearerKey returns the key of an "Authorization: Bearer <key>" header, or ""
// when the header is absent or has another scheme.
func BearerKey(header string) string {
	scheme, key, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(key)
}

// errNoKey: the request has no Bearer key.
var errNoKey = fmt.Errorf("%w: no Bearer key", auth.ErrUnauthorized)

// Authenticate verifies the Bearer key of an Authorization header. Errors:
// auth.ErrUnauthorized for a missing, unknown, revoked or expired key;
// auth.ErrMalformedKey for a key of the wrong shape (checked before any
// database work); ErrUnavailable when the key cannot be looked up.
func (s *Service) Authenticate(ctx context.Context, header string) (auth.Principal, error) {
	key := BearerKey(header)
	if key == "" {
		return auth.Principal{}, errNoKey
	}
	p, err := s.keys.Authenticate(ctx, key)
	if err != nil && !isKeyError(err) {
		return p, fmt.Errorf("%w: look up the key: %w", ErrUnavailable, err)
	}
	return p, err
}

func isKeyError(err error) bool {
	return errors.Is(err, auth.ErrUnauthorized) || errors.Is(err, auth.ErrMalformedKey)
}

// Admit applies check to p's request through the auth gate (per-minute
// limit, scope, account state, a reserved quota unit); see auth.Gate.Admit.
func (s *Service) Admit(ctx context.Context, p auth.Principal, check auth.Check) (*auth.Admission, error) {
	return s.gate.Admit(ctx, p, check)
}

type (
	requestIDKey struct{}
	principalKey struct{}
)

// WithRequestID returns ctx carrying the request id, for log lines and
// responses.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithPrincipal returns ctx carrying the authenticated caller, for a surface
// that authenticates in one place and serves in another (REST's router in
// front of the MCP handler). The domain packages still take identities as
// parameters.
func WithPrincipal(ctx context.Context, p auth.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller in ctx.
func PrincipalFrom(ctx context.Context) (auth.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(auth.Principal)
	return p, ok
}
