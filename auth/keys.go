package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Key is a stored API key: everything but the secret, which is never stored.
type Key struct {
	ID                uuid.UUID
	AccountID         uuid.UUID
	KeyID             string // the 8-character id inside the key
	Env               Env
	Prefix            string // pg_live_a1b2c3d4_…
	Name              string
	Scopes            []string
	AllowedCategories []string // nil: every category
	ExpiresAt         *time.Time
	RevokedAt         *time.Time
	LastUsedAt        *time.Time
	RotatedFrom       *uuid.UUID
	CreatedAt         time.Time
}

// NewKey is a key just created: the stored record and the full key, which is
// shown to the caller once and never again.
type NewKey struct {
	Key
	Secret string // the full key, pg_<env>_<id>_<secret>
}

// KeySpec describes a key to create. Empty Scopes mean DefaultScopes; a nil
// AllowedCategories means every category; a nil ExpiresAt never expires.
type KeySpec struct {
	AccountID         uuid.UUID
	Name              string
	Env               Env
	Scopes            []string
	AllowedCategories []string
	ExpiresAt         *time.Time
}

const keyColumns = `id, account_id, key_id, env, prefix, name, scopes, allowed_categories,
    expires_at, revoked_at, last_used_at, rotated_from, created_at`

const insertKeySQL = `
INSERT INTO api_keys (account_id, key_id, env, secret_hash, prefix, name, scopes,
                      allowed_categories, expires_at, rotated_from)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING ` + keyColumns

// Create makes a key for spec.AccountID, as an operator asks: no caller's
// rules apply (see CreateFor). Errors: a *FieldError (ErrInvalid) for a bad
// env, name, scope or category; ErrNotFound when the account does not exist.
func (k *Keys) Create(ctx context.Context, spec KeySpec) (NewKey, error) {
	if err := checkSpec(&spec); err != nil {
		return NewKey{}, err
	}
	return k.insert(ctx, k.db, spec, nil)
}

// ValidCategory reports whether c is a category name: 1 to 100 characters of
// a-z, 0-9 and _ (the entries table's rule).
func ValidCategory(c string) bool {
	if len(c) < 1 || len(c) > 100 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if b := c[i]; !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '_') {
			return false
		}
	}
	return true
}

// querier is what insert needs: the pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (k *Keys) insert(ctx context.Context, q querier, spec KeySpec, from *uuid.UUID) (NewKey, error) {
	full, parsed, err := GenerateKey(spec.Env)
	if err != nil {
		return NewKey{}, err
	}
	hash := parsed.SecretHash()
	key, err := scanKey(q.QueryRow(ctx, insertKeySQL, spec.AccountID, parsed.KeyID, spec.Env, hash[:],
		parsed.Prefix(), spec.Name, spec.Scopes, spec.AllowedCategories, spec.ExpiresAt, from))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
		return NewKey{}, fmt.Errorf("create key: account: %w", ErrNotFound)
	}
	if err != nil {
		return NewKey{}, fmt.Errorf("create key: %w", err)
	}
	k.cache.forget(parsed.KeyID) // in case an earlier probe cached "unknown"
	return NewKey{Key: key, Secret: full}, nil
}

const listKeysSQL = `SELECT ` + keyColumns + ` FROM api_keys WHERE account_id = $1 ORDER BY created_at, id`

// List returns the keys of an account, oldest first, revoked ones included.
func (k *Keys) List(ctx context.Context, accountID uuid.UUID) ([]Key, error) {
	rows, err := k.db.Query(ctx, listKeysSQL, accountID)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Key, error) { return scanKey(r) })
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return keys, nil
}

const getKeySQL = `
SELECT ` + keyColumns + ` FROM api_keys
WHERE id = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR account_id = $2)`

// Get returns key id of account owner (uuid.Nil: any account), or ErrNotFound.
func (k *Keys) Get(ctx context.Context, owner, id uuid.UUID) (Key, error) {
	key, err := scanKey(k.db.QueryRow(ctx, getKeySQL, id, owner))
	if err != nil {
		return Key{}, fmt.Errorf("get key: %w", err)
	}
	return key, nil
}

const revokeKeySQL = `
UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3)
WHERE id = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR account_id = $2)
RETURNING ` + keyColumns

// Revoke revokes key id of account owner (uuid.Nil: any account). Revoking twice
// keeps the first time. It returns ErrNotFound when no such key is visible. Every
// instance refuses the key within the verification cache TTL.
func (k *Keys) Revoke(ctx context.Context, owner, id uuid.UUID) (Key, error) {
	key, err := scanKey(k.db.QueryRow(ctx, revokeKeySQL, id, owner, k.now()))
	if err != nil {
		return Key{}, fmt.Errorf("revoke key: %w", err)
	}
	k.cache.forget(key.KeyID)
	return key, nil
}

const lockKeySQL = `
SELECT ` + keyColumns + ` FROM api_keys
WHERE id = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR account_id = $2)
FOR UPDATE`

const graceKeySQL = `UPDATE api_keys SET expires_at = least(expires_at, $2) WHERE id = $1`

// Rotate creates a successor of key id (same account, name, env, scopes and
// categories; no expiry) and, with grace > 0, makes the old key expire after
// grace; with grace 0 the old key stays valid until it is revoked. It returns
// ErrNotFound when no such key is visible to owner (uuid.Nil: any account) and
// ErrKeyRevoked for a revoked key.
func (k *Keys) Rotate(ctx context.Context, owner, id uuid.UUID, grace time.Duration) (NewKey, error) {
	var created NewKey
	var oldKeyID string
	err := pgx.BeginFunc(ctx, k.db, func(tx pgx.Tx) error {
		old, err := scanKey(tx.QueryRow(ctx, lockKeySQL, id, owner))
		if err != nil {
			return err
		}
		if old.RevokedAt != nil {
			return ErrKeyRevoked
		}
		oldKeyID = old.KeyID
		spec := KeySpec{AccountID: old.AccountID, Name: old.Name, Env: old.Env,
			Scopes: old.Scopes, AllowedCategories: old.AllowedCategories}
		if created, err = k.insert(ctx, tx, spec, &old.ID); err != nil {
			return err
		}
		if grace > 0 {
			_, err = tx.Exec(ctx, graceKeySQL, old.ID, k.now().Add(grace))
		}
		return err
	})
	if err != nil {
		return NewKey{}, fmt.Errorf("rotate key: %w", err)
	}
	k.cache.forget(oldKeyID) // its new expiry, at once on this instance
	return created, nil
}

func scanKey(row pgx.Row) (Key, error) {
	var key Key
	err := row.Scan(&key.ID, &key.AccountID, &key.KeyID, &key.Env, &key.Prefix, &key.Name, &key.Scopes,
		&key.AllowedCategories, &key.ExpiresAt, &key.RevokedAt, &key.LastUsedAt, &key.RotatedFrom, &key.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Key{}, ErrNotFound
	}
	return key, err
}
