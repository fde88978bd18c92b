// Package oauth is kapi's OAuth 2.1 authorization server for the MCP
// connector, built on ory/fosite: authorization code with PKCE (S256 only),
// refresh tokens with rotation, revocation (RFC 7009), dynamically registered
// clients (RFC 7591) and the resource indicator (RFC 8707) bound into every
// token. It owns the oauth_clients, oauth_tokens, oauth_sign_in_links and
// oauth_secret tables.
//
// Every grant is made from one of an account's API keys: a token speaks for
// that key (Verify names it), with at most its scopes. Nothing secret is
// stored: codes and tokens as HMAC signatures, client secrets as bcrypt
// hashes, sign-in links as SHA-256.
//
// It imports auth (for scope names) and no HTTP framework: the sign-in pages
// and endpoints live in cmd/kapi/oauthserver.
package oauth

import (
	"errors"
	"time"
)

// Lifetimes of what the server issues.
const (
	AccessTokenTTL  = time.Hour
	RefreshTokenTTL = 30 * 24 * time.Hour
	CodeTTL         = 5 * time.Minute
	SignInLinkTTL   = 15 * time.Minute
)

// Sentinel errors.
var (
	// ErrInvalidToken: the access token is unknown, expired, revoked, or was
	// issued for another resource.
	ErrInvalidToken = errors.New("oauth: invalid access token")
	// ErrNotFound: no such grant, client or sign-in link (or it is used or
	// expired).
	ErrNotFound = errors.New("oauth: not found")
	// ErrInvalidClient: a registration request is not acceptable; the wrapped
	// message says why.
	ErrInvalidClient = errors.New("oauth: invalid client metadata")
	// ErrInvalidRedirectURI: a registration names a redirect URI that is not
	// https or a loopback http URI, or has a fragment.
	ErrInvalidRedirectURI = errors.New("oauth: invalid redirect URI")
)
