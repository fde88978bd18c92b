package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/auth/oauth"
)

// TokenVerifier checks an OAuth access token for a resource (the MCP
// endpoint's URL); *oauth.Server satisfies it. Errors: oauth.ErrInvalidToken.
type TokenVerifier interface {
	Verify(ctx context.Context, token, resource string) (oauth.Grant, error)
}

// ErrInvalidToken: an OAuth access token is unknown, expired, revoked, was
// issued for another resource, or its key no longer speaks for the account.
// It matches auth.ErrUnauthorized.
var ErrInvalidToken = fmt.Errorf("%w: invalid OAuth access token", auth.ErrUnauthorized)

// MCPPath is where agents reach the MCP server, the OAuth protected resource.
const MCPPath = "/api/mcp"

// PublicBase is kapi's own base URL, as clients reach it: configured
// (KAPI_PUBLIC_URL) when set, else the request's scheme and Host (right for
// one instance reached directly; behind a proxy, configure it).
func PublicBase(configured, host string, https bool) string {
	if configured != "" {
		return strings.TrimRight(configured, "/")
	}
	if https {
		return "https://" + host
	}
	return "http://" + host
}

// AuthenticateMCP verifies the Bearer credential of a request to the MCP
// endpoint at resource: an API key exactly as Authenticate does, or an OAuth
// access token issued for resource. A token speaks for the key it was granted
// from, as that key is now (revoked, expired, its account past_due: the same
// answers), with the scopes granted, at most the key's. Errors: those of
// Authenticate; ErrInvalidToken for a token that does not verify.
func (s *Service) AuthenticateMCP(ctx context.Context, header, resource string) (auth.Principal, error) {
	bearer := BearerKey(header)
	if s.tokens == nil || bearer == "" || strings.HasPrefix(bearer, "pg_") {
		return s.Authenticate(ctx, header)
	}
	g, err := s.tokens.Verify(ctx, bearer, resource)
	if errors.Is(err, oauth.ErrInvalidToken) {
		return auth.Principal{}, ErrInvalidToken
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("%w: verify the token: %w", ErrUnavailable, err)
	}
	return s.principalOfGrant(ctx, g.KeyID, g.Scopes)
}

func (s *Service) principalOfGrant(ctx context.Context, keyID uuid.UUID, scopes []string) (auth.Principal, error) {
	p, err := s.keys.PrincipalByID(ctx, keyID)
	if errors.Is(err, auth.ErrUnauthorized) {
		return auth.Principal{}, ErrInvalidToken
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("%w: look up the token's key: %w", ErrUnavailable, err)
	}
	p.Scopes = GrantableScopes(p, scopes)
	return p, nil
}

// GrantableScopes are the scopes of requested that p's key holds; with none
// requested, every scope the key holds, wildcards spelled out.
func GrantableScopes(p auth.Principal, requested []string) []string {
	if len(requested) == 0 {
		requested = auth.KnownScopes()
	}
	var out []string
	for _, sc := range requested {
		if p.Allows(sc) && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// KeyPrincipal returns the Principal of the key with database id keyID (the
// sign-in page's one-time links name keys). Errors: auth.ErrUnauthorized for
// a revoked, expired or unknown key; ErrUnavailable.
func (s *Service) KeyPrincipal(ctx context.Context, keyID uuid.UUID) (auth.Principal, error) {
	p, err := s.keys.PrincipalByID(ctx, keyID)
	if err != nil && !errors.Is(err, auth.ErrUnauthorized) {
		return p, fmt.Errorf("%w: look up the key: %w", ErrUnavailable, err)
	}
	return p, err
}
