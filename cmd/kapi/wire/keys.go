package wire

import (
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
