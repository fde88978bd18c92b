package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/ory/fosite"
)

// store is fosite's storage over Postgres: clients, codes, PKCE challenges,
// access and refresh tokens, keyed by their signatures.
type store struct {
	db  *pgxpool.Pool
	now func() time.Time
}

// Token kinds, as in oauth_tokens.kind.
const (
	kindCode    = "code"
	kindPKCE    = "pkce"
	kindAccess  = "access"
	kindRefresh = "refresh"
)

// storedForm are the only request form fields kept: those fosite reads back
// (the redirect URI the code was issued for, the PKCE challenge) and the
// resource. A token request's code, verifier or refresh token never are.
var storedForm = []string{"redirect_uri", "code_challenge", "code_challenge_method", "resource", "scope"}

// storedRequest is the request column: what fosite needs back beyond the
// columns.
type storedRequest struct {
	ID             string               `json:"id"`
	RequestedAt    time.Time            `json:"requested_at"`
	RequestedScope []string             `json:"requested_scope"`
	RequestedAud   []string             `json:"requested_audience"`
	Form           map[string][]string  `json:"form"`
	Subject        string               `json:"subject"`
	AccountID      string               `json:"account_id"`
	ExpiresAt      map[string]time.Time `json:"expires_at"`
}

// Session is what a grant carries: the key it was made from, as the subject,
// and its account.
func newSession(keyID, accountID uuid.UUID) *fosite.DefaultSession {
	return &fosite.DefaultSession{Subject: keyID.String(), Extra: map[string]any{"account_id": accountID.String()}}
}

func sessionIDs(r fosite.Requester) (keyID, accountID uuid.UUID, err error) {
	s, ok := r.GetSession().(*fosite.DefaultSession)
	if !ok {
		return uuid.Nil, uuid.Nil, errors.New("oauth: request without a kapi session")
	}
	if keyID, err = uuid.Parse(s.Subject); err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("oauth: session subject: %w", err)
	}
	acc, _ := s.Extra["account_id"].(string)
	if accountID, err = uuid.Parse(acc); err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("oauth: session account: %w", err)
	}
	return keyID, accountID, nil
}

const insertTokenSQL = `
INSERT INTO oauth_tokens (kind, signature, request_id, client_id, key_id, account_id, scopes, audience, request, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

func (s *store) create(ctx context.Context, kind, signature string, r fosite.Requester, ttl time.Duration) error {
	keyID, accountID, err := sessionIDs(r)
	if err != nil {
		return err
	}
	sess := r.GetSession().(*fosite.DefaultSession)
	sr := storedRequest{ID: r.GetID(), RequestedAt: r.GetRequestedAt(), RequestedScope: r.GetRequestedScopes(),
		RequestedAud: r.GetRequestedAudience(), Form: map[string][]string{}, Subject: sess.Subject,
		AccountID: accountID.String(), ExpiresAt: map[string]time.Time{}}
	for _, f := range storedForm {
		if v, ok := r.GetRequestForm()[f]; ok {
			sr.Form[f] = v
		}
	}
	for tt, at := range sess.ExpiresAt {
		sr.ExpiresAt[string(tt)] = at
	}
	raw, err := json.Marshal(sr)
	if err != nil {
		return fmt.Errorf("oauth: encode request: %w", err)
	}
	expires := s.now().Add(ttl)
	if at := sess.GetExpiresAt(tokenTypeOf(kind)); !at.IsZero() {
		expires = at
	}
	_, err = s.db.Exec(ctx, insertTokenSQL, kind, signature, r.GetID(), r.GetClient().GetID(), keyID, accountID,
		[]string(r.GetGrantedScopes()), []string(r.GetGrantedAudience()), raw, expires)
	if err != nil {
		return fmt.Errorf("oauth: store %s: %w", kind, err)
	}
	return nil
}

func tokenTypeOf(kind string) fosite.TokenType {
	switch kind {
	case kindAccess:
		return fosite.AccessToken
	case kindRefresh:
		return fosite.RefreshToken
	default:
		return fosite.AuthorizeCode
	}
}

const getTokenSQL = `
SELECT client_id, scopes, audience, request, active FROM oauth_tokens WHERE kind = $1 AND signature = $2`

// get returns the stored request; fosite.ErrNotFound when there is none, and
// the request with ErrInactiveToken (refresh) or ErrInvalidatedAuthorizeCode
// (code) when it is no longer active.
func (s *store) get(ctx context.Context, kind, signature string) (fosite.Requester, error) {
	var (
		clientID         string
		scopes, audience []string
		raw              []byte
		active           bool
	)
	err := s.db.QueryRow(ctx, getTokenSQL, kind, signature).Scan(&clientID, &scopes, &audience, &raw, &active)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fosite.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: load %s: %w", kind, err)
	}
	r, err := s.decode(ctx, clientID, scopes, audience, raw)
	if err != nil {
		return nil, err
	}
	if !active {
		if kind == kindCode {
			return r, fosite.ErrInvalidatedAuthorizeCode
		}
		return r, fosite.ErrInactiveToken
	}
	return r, nil
}

func (s *store) decode(ctx context.Context, clientID string, scopes, audience []string, raw []byte) (*fosite.Request, error) {
	var sr storedRequest
	if err := json.Unmarshal(raw, &sr); err != nil {
		return nil, fmt.Errorf("oauth: decode request: %w", err)
	}
	client, err := s.GetClient(ctx, clientID)
	if err != nil {
		return nil, err
	}
	sess := &fosite.DefaultSession{Subject: sr.Subject, Extra: map[string]any{"account_id": sr.AccountID},
		ExpiresAt: map[fosite.TokenType]time.Time{}}
	for tt, at := range sr.ExpiresAt {
		sess.ExpiresAt[fosite.TokenType(tt)] = at
	}
	return &fosite.Request{ID: sr.ID, RequestedAt: sr.RequestedAt, Client: client,
		RequestedScope: sr.RequestedScope, GrantedScope: scopes, Form: url.Values(sr.Form), Session: sess,
		RequestedAudience: sr.RequestedAud, GrantedAudience: audience}, nil
}

func (s *store) exec(ctx context.Context, what, sql string, args ...any) error {
	if _, err := s.db.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("oauth: %s: %w", what, err)
	}
	return nil
}

const (
	deactivateTokenSQL = `UPDATE oauth_tokens SET active = false WHERE kind = $1 AND signature = $2`
	deleteTokenSQL     = `DELETE FROM oauth_tokens WHERE kind = $1 AND signature = $2`
	revokeRequestSQL   = `UPDATE oauth_tokens SET active = false WHERE request_id = $1 AND kind = $2`
)

// CreateAuthorizeCodeSession stores a code's request under its signature.
func (s *store) CreateAuthorizeCodeSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.create(ctx, kindCode, sig, r, CodeTTL)
}

// GetAuthorizeCodeSession returns a code's request; a used code answers
// fosite.ErrInvalidatedAuthorizeCode with the request.
func (s *store) GetAuthorizeCodeSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	return s.get(ctx, kindCode, sig)
}

// InvalidateAuthorizeCodeSession marks a code used.
func (s *store) InvalidateAuthorizeCodeSession(ctx context.Context, sig string) error {
	return s.exec(ctx, "use code", deactivateTokenSQL, kindCode, sig)
}

// CreatePKCERequestSession stores a code's PKCE challenge.
func (s *store) CreatePKCERequestSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.create(ctx, kindPKCE, sig, r, CodeTTL)
}

// GetPKCERequestSession returns a code's PKCE challenge.
func (s *store) GetPKCERequestSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	return s.get(ctx, kindPKCE, sig)
}

// DeletePKCERequestSession forgets a code's PKCE challenge.
func (s *store) DeletePKCERequestSession(ctx context.Context, sig string) error {
	return s.exec(ctx, "delete PKCE challenge", deleteTokenSQL, kindPKCE, sig)
}

// CreateAccessTokenSession stores an access token's request.
func (s *store) CreateAccessTokenSession(ctx context.Context, sig string, r fosite.Requester) error {
	return s.create(ctx, kindAccess, sig, r, AccessTokenTTL)
}

// GetAccessTokenSession returns an access token's request.
func (s *store) GetAccessTokenSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	return s.get(ctx, kindAccess, sig)
}

// DeleteAccessTokenSession ends an access token.
func (s *store) DeleteAccessTokenSession(ctx context.Context, sig string) error {
	return s.exec(ctx, "end access token", deactivateTokenSQL, kindAccess, sig)
}

// CreateRefreshTokenSession stores a refresh token's request.
func (s *store) CreateRefreshTokenSession(ctx context.Context, sig, _ string, r fosite.Requester) error {
	return s.create(ctx, kindRefresh, sig, r, RefreshTokenTTL)
}

// GetRefreshTokenSession returns a refresh token's request; a rotated or
// revoked one answers fosite.ErrInactiveToken with the request (fosite then
// revokes the whole grant: a reused refresh token is a stolen one).
func (s *store) GetRefreshTokenSession(ctx context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	return s.get(ctx, kindRefresh, sig)
}

// DeleteRefreshTokenSession ends a refresh token.
func (s *store) DeleteRefreshTokenSession(ctx context.Context, sig string) error {
	return s.exec(ctx, "end refresh token", deactivateTokenSQL, kindRefresh, sig)
}

// RotateRefreshToken ends the grant's refresh and access tokens before new
// ones are stored.
func (s *store) RotateRefreshToken(ctx context.Context, requestID, _ string) error {
	if err := s.RevokeRefreshToken(ctx, requestID); err != nil {
		return err
	}
	return s.RevokeAccessToken(ctx, requestID)
}

// RevokeRefreshToken ends every refresh token of a grant.
func (s *store) RevokeRefreshToken(ctx context.Context, requestID string) error {
	return s.exec(ctx, "revoke refresh tokens", revokeRequestSQL, requestID, kindRefresh)
}

// RevokeAccessToken ends every access token of a grant.
func (s *store) RevokeAccessToken(ctx context.Context, requestID string) error {
	return s.exec(ctx, "revoke access tokens", revokeRequestSQL, requestID, kindAccess)
}

// ClientAssertionJWTValid: kapi accepts no client assertions (RFC 7523), so
// no JTI is ever known.
func (s *store) ClientAssertionJWTValid(context.Context, string) error { return nil }

// SetClientAssertionJWT: see ClientAssertionJWTValid.
func (s *store) SetClientAssertionJWT(context.Context, string, time.Time) error { return nil }
