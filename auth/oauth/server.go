package oauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"

	"github.com/kapi-project/kapi/auth"
)

// Options tunes a Server. Zero values take the defaults.
type Options struct {
	Now func() time.Time // default time.Now
	// HashCost is bcrypt's cost for client secrets; default 10.
	HashCost int
}

// Server is the authorization server: fosite's provider over kapi's storage.
type Server struct {
	store    *store
	config   *fosite.Config
	provider fosite.OAuth2Provider
	strategy *oauth2.HMACSHAStrategy
	secret   []byte
	now      func() time.Time
}

// New returns the server over db. It reads the shared HMAC secret, making it
// on first use (every instance then uses the same one).
func New(ctx context.Context, db *pgxpool.Pool, opts Options) (*Server, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HashCost == 0 {
		opts.HashCost = 10
	}
	secret, err := loadSecret(ctx, db)
	if err != nil {
		return nil, err
	}
	cfg := &fosite.Config{
		AccessTokenLifespan:            AccessTokenTTL,
		RefreshTokenLifespan:           RefreshTokenTTL,
		AuthorizeCodeLifespan:          CodeTTL,
		GlobalSecret:                   secret,
		HashCost:                       opts.HashCost,
		EnforcePKCE:                    true,
		EnablePKCEPlainChallengeMethod: false,
		ScopeStrategy:                  fosite.ExactScopeStrategy,
		// The one audience ever granted is the MCP resource, checked by the
		// authorize and token endpoints (RFC 8707): a refresh carries it on.
		// A requested "audience" parameter is never granted.
		AudienceMatchingStrategy:   func([]string, []string) error { return nil },
		RefreshTokenScopes:         []string{}, // every grant gets a refresh token
		SendDebugMessagesToClients: false,
	}
	st := &store{db: db, now: opts.Now}
	strategy := compose.NewOAuth2HMACStrategy(cfg)
	provider := compose.Compose(cfg, st, &compose.CommonStrategy{CoreStrategy: strategy},
		compose.OAuth2AuthorizeExplicitFactory, compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2TokenRevocationFactory, compose.OAuth2PKCEFactory)
	return &Server{store: st, config: cfg, provider: provider, strategy: strategy, secret: secret, now: opts.Now}, nil
}

const (
	makeSecretSQL = `INSERT INTO oauth_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`
	readSecretSQL = `SELECT secret FROM oauth_secret WHERE id = 1`
)

func loadSecret(ctx context.Context, db *pgxpool.Pool) ([]byte, error) {
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh) // never fails
	if _, err := db.Exec(ctx, makeSecretSQL, fresh); err != nil {
		return nil, fmt.Errorf("oauth: make the secret: %w", err)
	}
	var secret []byte
	if err := db.QueryRow(ctx, readSecretSQL).Scan(&secret); err != nil {
		return nil, fmt.Errorf("oauth: read the secret: %w", err)
	}
	return secret, nil
}

// Provider is fosite's provider, for the HTTP endpoints.
func (s *Server) Provider() fosite.OAuth2Provider { return s.provider }

// NewSession is the session of a grant made from an API key.
func NewSession(keyID, accountID uuid.UUID) fosite.Session { return newSession(keyID, accountID) }

// grantableScopes are the scopes a client may ask for: kapi's scopes.
func grantableScopes() []string { return auth.KnownScopes() }

// ScopesSupported are the scopes the metadata documents list, and what a
// request asking for no scope gets (those of them its key holds): the scopes
// MCP tools need. A client may still ask for any of kapi's scopes.
func ScopesSupported() []string {
	return []string{"knowledge:read", "feeds:read", "feeds:write", "usage:read"}
}

// Grant is what a verified access token speaks for: the API key it was made
// from and the scopes granted (at most the key's).
type Grant struct {
	KeyID  uuid.UUID
	Scopes []string
}

const verifyAccessSQL = `
SELECT key_id, scopes, audience, expires_at FROM oauth_tokens
WHERE kind = 'access' AND signature = $1 AND active`

// Verify checks an access token for resource (the MCP endpoint's URL).
// Errors: ErrInvalidToken for an unknown, revoked or expired token, or one
// issued for another resource.
func (s *Server) Verify(ctx context.Context, token, resource string) (Grant, error) {
	if !strings.HasPrefix(token, "ory_at_") || len(token) > 512 {
		return Grant{}, ErrInvalidToken
	}
	var (
		g        Grant
		audience []string
		expires  time.Time
	)
	sig := s.strategy.AccessTokenSignature(ctx, token)
	err := s.store.db.QueryRow(ctx, verifyAccessSQL, sig).Scan(&g.KeyID, &g.Scopes, &audience, &expires)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return Grant{}, ErrInvalidToken
		}
		return Grant{}, fmt.Errorf("oauth: verify token: %w", err)
	}
	if !s.now().Before(expires) || !slices.Contains(audience, resource) {
		return Grant{}, ErrInvalidToken
	}
	// The stored signature matched by equality; the token's own HMAC is
	// checked in constant time.
	req := &fosite.Request{Session: &fosite.DefaultSession{ExpiresAt: map[fosite.TokenType]time.Time{fosite.AccessToken: expires}}}
	if err := s.strategy.ValidateAccessToken(ctx, req, token); err != nil {
		return Grant{}, ErrInvalidToken
	}
	return g, nil
}

// Seal signs payload with the server's secret, for the sign-in pages'
// tickets; Open checks it.
func (s *Server) Seal(purpose string, payload []byte) string {
	b64 := base64.RawURLEncoding.EncodeToString(payload)
	return b64 + "." + base64.RawURLEncoding.EncodeToString(s.mac(purpose, b64))
}

// Open returns what Seal signed for purpose; ErrNotFound when the seal does
// not verify.
func (s *Server) Open(purpose, sealed string) ([]byte, error) {
	b64, sig, ok := strings.Cut(sealed, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, s.mac(purpose, b64)) {
		return nil, ErrNotFound
	}
	payload, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return nil, ErrNotFound
	}
	return payload, nil
}

func (s *Server) mac(purpose, b64 string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(purpose + "\x00" + b64))
	return m.Sum(nil)
}
