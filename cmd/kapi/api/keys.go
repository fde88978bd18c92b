package api

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/kapi-project/kapi/auth"
)

// Key is an API key as REST answers and the keys command prints it. The full
// key (Key) appears only when it is created or rotated, never in a listing;
// AccountID is shown to operators (the CLI), not to the key's own account.
type Key struct {
	ID                string     `json:"id"`
	Key               string     `json:"key,omitempty"`
	Prefix            string     `json:"prefix"`
	AccountID         string     `json:"account_id,omitempty"`
	Name              string     `json:"name"`
	Env               string     `json:"env"`
	Scopes            []string   `json:"scopes"`
	AllowedCategories []string   `json:"allowed_categories"`
	ExpiresAt         *time.Time `json:"expires_at"`
	RevokedAt         *time.Time `json:"revoked_at"`
	LastUsedAt        *time.Time `json:"last_used_at"`
	RotatedFrom       *uuid.UUID `json:"rotated_from"`
	CreatedAt         time.Time  `json:"created_at"`
}

// NewKey renders a key without its secret or account.
func NewKey(k auth.Key) Key {
	return Key{ID: k.ID.String(), Prefix: k.Prefix, Name: k.Name, Env: string(k.Env), Scopes: k.Scopes,
		AllowedCategories: k.AllowedCategories, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt,
		LastUsedAt: k.LastUsedAt, RotatedFrom: k.RotatedFrom, CreatedAt: k.CreatedAt}
}

// ListKeys returns the keys of p's account, revoked ones included. Errors:
// database errors.
func (s *Service) ListKeys(ctx context.Context, p auth.Principal) ([]Key, error) {
	keys, err := s.keys.List(ctx, p.AccountID)
	if err != nil {
		return nil, err
	}
	out := make([]Key, len(keys))
	for i, k := range keys {
		out[i] = NewKey(k)
	}
	return out, nil
}

// KeyArgs are the arguments of a key to create (REST's body); every one is
// optional.
type KeyArgs struct {
	Name              string     `json:"name"`
	Env               string     `json:"env"`
	Scopes            []string   `json:"scopes"`
	AllowedCategories []string   `json:"allowed_categories"`
	ExpiresAt         *time.Time `json:"expires_at"`
}

// CreateKey creates a key for p's account that can do no more than p's key,
// and returns it with its secret. Errors: those of auth.Keys.CreateFor.
func (s *Service) CreateKey(ctx context.Context, p auth.Principal, a KeyArgs) (Key, error) {
	created, err := s.keys.CreateFor(ctx, p, auth.KeySpec{Name: a.Name, Env: auth.Env(a.Env), Scopes: a.Scopes,
		AllowedCategories: a.AllowedCategories, ExpiresAt: a.ExpiresAt})
	return withSecret(created, err)
}

// withSecret renders a key just made, with its full key, shown this once.
func withSecret(created auth.NewKey, err error) (Key, error) {
	if err != nil {
		return Key{}, err
	}
	k := NewKey(created.Key)
	k.Key = created.Secret
	return k, nil
}

// RevokeKey revokes key id of p's account. Errors: NOT_FOUND.
func (s *Service) RevokeKey(ctx context.Context, p auth.Principal, id string) (Key, error) {
	keyID, err := keyID(id)
	if err != nil {
		return Key{}, err
	}
	k, err := s.keys.Revoke(ctx, p.AccountID, keyID)
	if err != nil {
		return Key{}, err
	}
	return NewKey(k), nil
}

// RotateKey makes a successor of key id of p's account, the old key valid
// until revoked or, with a grace period ("24h"), until it ends
// (auth.Keys.RotateFor). Errors: NOT_FOUND; auth.ErrKeyRevoked; a
// *auth.FieldError for a bad grace.
func (s *Service) RotateKey(ctx context.Context, p auth.Principal, id, grace string) (Key, error) {
	keyID, err := keyID(id)
	if err != nil {
		return Key{}, err
	}
	return withSecret(s.keys.RotateFor(ctx, p, keyID, parseGrace(grace)))
}

// parseGrace reads a Go duration; "" is none, and a bad one is outside every
// range, so that RotateFor names it with its bounds.
func parseGrace(v string) time.Duration {
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return -1
	}
	return d
}

// keyID reads the id of a key; a malformed one names no visible key.
func keyID(v string) (uuid.UUID, error) {
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.Nil, NewError(CodeNotFound, "No such key.", nil)
	}
	return id, nil
}
