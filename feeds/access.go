package feeds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Who sees a feed: a public feed, every account; a private feed, its owner
// and the accounts it grants. Another account's private feed is, to every
// reader of this package, a feed that does not exist (ErrNotFound).
//
// The rule is SQL, joined into the query that resolves or lists feeds, so it
// costs no round trip of its own. Every query using it binds the account as
// $1 and names the feeds table "f".
const (
	grantsJoin = `LEFT JOIN feed_grants g ON g.feed_id = f.id AND g.account_id = $1`
	visible    = `(f.visibility = 'public' OR f.owner_account_id = $1 OR g.feed_id IS NOT NULL)`
)

// Grant is an account's access to another account's private feed.
type Grant struct {
	FeedID    uuid.UUID
	AccountID uuid.UUID
	GrantedAt time.Time
}

const lookupVisibleSQL = `SELECT ` + feedColumns + ` FROM feeds f ` + grantsJoin + `
WHERE (($2::uuid IS NOT NULL AND f.id = $2) OR f.slug = $3) AND ` + visible

// lookupVisible finds a feed by UUID or slug among those the account sees.
// Errors: ErrNotFound.
func (c *Catalog) lookupVisible(ctx context.Context, accountID uuid.UUID, ref string) (Feed, error) {
	f, err := scanFeed(c.pool.QueryRow(ctx, lookupVisibleSQL, accountID, refID(ref), ref))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Feed{}, fmt.Errorf("look up feed: %w", err)
	}
	return f, err
}

// ownedBy finds feed ref for a change only its owner may make (grants,
// updates): by owner, a feed it owns (any other is ErrNotFound); by uuid.Nil
// (the operator), any feed.
func (c *Catalog) ownedBy(ctx context.Context, owner uuid.UUID, ref string) (Feed, error) {
	f, err := c.Lookup(ctx, ref)
	if err == nil && owner != uuid.Nil && f.OwnerAccountID != owner {
		return Feed{}, ErrNotFound
	}
	return f, err
}

const grantSQL = `
INSERT INTO feed_grants (feed_id, account_id) VALUES ($1, $2)
ON CONFLICT (feed_id, account_id) DO UPDATE SET granted_at = feed_grants.granted_at
RETURNING feed_id, account_id, granted_at`

// Grant lets account read feed ref, which owner must own (uuid.Nil: an
// operator, any feed). The account then subscribes as to a public feed;
// granting again is a no-op. Errors: ErrNotFound for a feed the owner does not
// own, ErrNoAccount for an unknown account.
func (c *Catalog) Grant(ctx context.Context, owner uuid.UUID, ref string, account uuid.UUID) (Grant, Feed, error) {
	f, err := c.ownedBy(ctx, owner, ref)
	if err != nil {
		return Grant{}, Feed{}, err
	}
	var g Grant
	err = c.pool.QueryRow(ctx, grantSQL, f.ID, account).Scan(&g.FeedID, &g.AccountID, &g.GrantedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation: the account
		return Grant{}, f, ErrNoAccount
	}
	if err != nil {
		return Grant{}, f, fmt.Errorf("grant feed: %w", err)
	}
	return g, f, nil
}

const revokeSQL = `
WITH revoked AS (DELETE FROM feed_grants WHERE feed_id = $1 AND account_id = $2 RETURNING feed_id)
UPDATE subscriptions SET status = 'canceled', canceled_at = coalesce(canceled_at, $3)
WHERE account_id = $2 AND feed_id = $1 AND status = 'active'
  AND EXISTS (SELECT 1 FROM revoked)
  AND NOT EXISTS (SELECT 1 FROM feeds WHERE id = $1 AND visibility = 'public')`

// Revoke ends account's access to feed ref, which owner must own (uuid.Nil: an
// operator): its grant is deleted and, for a private feed, its subscription
// canceled, in one statement. The very next request of that account finds no
// such feed, on every instance (access is checked in the database on each
// request). Revoking what was never granted is a no-op. Errors: ErrNotFound
// for a feed the owner does not own.
func (c *Catalog) Revoke(ctx context.Context, owner uuid.UUID, ref string, account uuid.UUID) (Feed, error) {
	f, err := c.ownedBy(ctx, owner, ref)
	if err != nil {
		return Feed{}, err
	}
	if _, err := c.pool.Exec(ctx, revokeSQL, f.ID, account, time.Now()); err != nil {
		return f, fmt.Errorf("revoke feed grant: %w", err)
	}
	return f, nil
}

const grantsSQL = `SELECT feed_id, account_id, granted_at FROM feed_grants WHERE feed_id = $1 ORDER BY granted_at, account_id`

// Grants lists the accounts granted feed ref, which owner must own (uuid.Nil:
// an operator), oldest grant first. Errors: ErrNotFound.
func (c *Catalog) Grants(ctx context.Context, owner uuid.UUID, ref string) ([]Grant, Feed, error) {
	f, err := c.ownedBy(ctx, owner, ref)
	if err != nil {
		return nil, Feed{}, err
	}
	rows, err := c.pool.Query(ctx, grantsSQL, f.ID)
	if err != nil {
		return nil, f, fmt.Errorf("list feed grants: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Grant, error) {
		var g Grant
		return g, r.Scan(&g.FeedID, &g.AccountID, &g.GrantedAt)
	})
	if err != nil {
		return nil, f, fmt.Errorf("list feed grants: %w", err)
	}
	return out, f, nil
}
