package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

const principalByIDSQL = `
SELECT k.id, k.account_id, k.prefix, k.env, k.scopes, k.allowed_categories,
       k.expires_at, k.revoked_at,
       a.tier, a.subscription_status, a.terms_accepted_at IS NOT NULL
FROM api_keys k JOIN accounts a ON a.id = k.account_id
WHERE k.id = $1`

// PrincipalByID returns the Principal of the key with database id id, as
// Authenticate would for the full key: for a grant made from the key (an
// OAuth token) that speaks for it. It reads the database every time, so a
// revoked or expired key, or an account change, is seen at once. Errors:
// ErrUnauthorized when the key does not exist, is revoked or expired.
func (k *Keys) PrincipalByID(ctx context.Context, id uuid.UUID) (Principal, error) {
	rec := &keyRecord{found: true}
	p := &rec.principal
	err := k.db.QueryRow(ctx, principalByIDSQL, id).Scan(&p.KeyID, &p.AccountID, &p.KeyPrefix, &p.Env,
		&p.Scopes, &p.AllowedCategories, &rec.expiresAt, &rec.revokedAt,
		&p.Tier, &p.SubscriptionStatus, &p.TermsAccepted)
	if errors.Is(err, pgx.ErrNoRows) {
		return Principal{}, ErrUnauthorized
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up key %s: %w", id, err)
	}
	if !activeAt(rec, k.now()) {
		return Principal{}, ErrUnauthorized
	}
	return *p, nil
}
