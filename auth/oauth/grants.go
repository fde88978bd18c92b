package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// GrantInfo is one of an account's OAuth grants, as the CLI lists them: a
// client's access made from one of the account's keys.
type GrantInfo struct {
	ID         string // the grant's request id
	ClientID   string
	ClientName string
	KeyID      uuid.UUID
	Scopes     []string
	CreatedAt  time.Time
	ExpiresAt  time.Time // of its refresh token
}

const listGrantsSQL = `
SELECT t.request_id, t.client_id, c.name, t.key_id, t.scopes, min(t.created_at), max(t.expires_at)
FROM oauth_tokens t JOIN oauth_clients c ON c.id = t.client_id
WHERE t.account_id = $1 AND t.kind = 'refresh' AND t.active AND t.expires_at > $2
GROUP BY t.request_id, t.client_id, c.name, t.key_id, t.scopes
ORDER BY min(t.created_at)`

// Grants lists an account's live grants (those with an active refresh token).
func (s *Server) Grants(ctx context.Context, accountID uuid.UUID) ([]GrantInfo, error) {
	rows, err := s.store.db.Query(ctx, listGrantsSQL, accountID, s.now())
	if err != nil {
		return nil, fmt.Errorf("oauth: list grants: %w", err)
	}
	grants, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (GrantInfo, error) {
		var g GrantInfo
		err := row.Scan(&g.ID, &g.ClientID, &g.ClientName, &g.KeyID, &g.Scopes, &g.CreatedAt, &g.ExpiresAt)
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("oauth: list grants: %w", err)
	}
	return grants, nil
}

const revokeGrantSQL = `
UPDATE oauth_tokens SET active = false WHERE account_id = $1 AND request_id = $2 AND active`

// RevokeGrant ends every code and token of one of the account's grants at
// once. Errors: ErrNotFound when the account has no such live grant.
func (s *Server) RevokeGrant(ctx context.Context, accountID uuid.UUID, grantID string) error {
	tag, err := s.store.db.Exec(ctx, revokeGrantSQL, accountID, grantID)
	if err != nil {
		return fmt.Errorf("oauth: revoke grant: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// signInLinkPrefix marks a sign-in link's token, so that the sign-in page can
// tell one from an API key.
const signInLinkPrefix = "kapi_sl_"

// IsSignInToken reports whether s looks like a sign-in link's token.
func IsSignInToken(s string) bool { return strings.HasPrefix(s, signInLinkPrefix) }

const insertLinkSQL = `
INSERT INTO oauth_sign_in_links (token_hash, account_id, key_id, expires_at) VALUES ($1, $2, $3, $4)`

// CreateSignInLink makes a one-time sign-in token for the account's key
// (the caller checks that the key is the account's and active): single use,
// valid SignInLinkTTL. Only its hash is stored.
func (s *Server) CreateSignInLink(ctx context.Context, accountID, keyID uuid.UUID) (token string, expires time.Time, err error) {
	token = signInLinkPrefix + rand.Text() + rand.Text()
	expires = s.now().Add(SignInLinkTTL)
	hash := sha256.Sum256([]byte(token))
	if _, err := s.store.db.Exec(ctx, insertLinkSQL, hash[:], accountID, keyID, expires); err != nil {
		return "", time.Time{}, fmt.Errorf("oauth: store sign-in link: %w", err)
	}
	return token, expires, nil
}

const useLinkSQL = `
UPDATE oauth_sign_in_links SET used_at = $2
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
RETURNING key_id`

// UseSignInLink spends a sign-in token and returns the key it signs in as.
// Errors: ErrNotFound for an unknown, used or expired token.
func (s *Server) UseSignInLink(ctx context.Context, token string) (uuid.UUID, error) {
	if !IsSignInToken(token) || len(token) > 128 {
		return uuid.Nil, ErrNotFound
	}
	hash := sha256.Sum256([]byte(token))
	var keyID uuid.UUID
	err := s.store.db.QueryRow(ctx, useLinkSQL, hash[:], s.now()).Scan(&keyID)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, ErrNotFound
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("oauth: use sign-in link: %w", err)
	}
	return keyID, nil
}

// pruneAfter is how long expired codes, tokens and links are kept (for
// reuse detection and the grants list) before Prune deletes them.
const pruneAfter = 24 * time.Hour

const (
	pruneTokensSQL = `DELETE FROM oauth_tokens WHERE expires_at < $1`
	pruneLinksSQL  = `DELETE FROM oauth_sign_in_links WHERE expires_at < $1`
)

// Prune deletes codes, tokens and sign-in links expired for more than a day,
// and returns how many rows went.
func (s *Server) Prune(ctx context.Context) (int64, error) {
	before := s.now().Add(-pruneAfter)
	var n int64
	for _, q := range []string{pruneTokensSQL, pruneLinksSQL} {
		tag, err := s.store.db.Exec(ctx, q, before)
		if err != nil {
			return n, fmt.Errorf("oauth: prune: %w", err)
		}
		n += tag.RowsAffected()
	}
	return n, nil
}
