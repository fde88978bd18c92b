package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The rules of what a key may grant: a key can never create or rotate a key
// that could do more than itself.

// Bounds of key arguments.
const (
	MaxGrace   = 90 * 24 * time.Hour // a rotation's grace period
	maxKeyName = 200                 // characters of a key's name
)

// FieldError is an invalid argument: which field, what is wrong with it
// (Problem reads after the field's name: "must be ..."), and the values it
// may take when they are few. It wraps ErrInvalid.
type FieldError struct {
	Field, Problem string
	Allowed        []string
}

// Error names the field and the problem.
func (e *FieldError) Error() string { return "auth: " + e.Field + " " + e.Problem }

// Unwrap returns ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// CreateFor makes a key for the caller's account: spec.AccountID is the
// caller's, and an empty Env the caller's. The key may hold no environment,
// scope or category the calling key lacks. Errors: a *FieldError (ErrInvalid)
// for a bad env, name, scope, category or expiry, a live key asked by a test
// key, or categories wider than the caller's; a *ScopeError
// (ErrInsufficientScope) for a scope the caller lacks.
func (k *Keys) CreateFor(ctx context.Context, caller Principal, spec KeySpec) (NewKey, error) {
	spec.AccountID = caller.AccountID
	if spec.Env == "" {
		spec.Env = caller.Env
	}
	if err := checkSpec(&spec); err != nil {
		return NewKey{}, err
	}
	if spec.ExpiresAt != nil && !spec.ExpiresAt.After(k.now()) {
		return NewKey{}, &FieldError{Field: "expires_at", Problem: "must be in the future"}
	}
	if err := grantable(caller, spec.Env, spec.Scopes, spec.AllowedCategories); err != nil {
		return NewKey{}, err
	}
	return k.insert(ctx, k.db, spec, nil)
}

// RotateFor rotates key id of the caller's account (see Rotate) when the caller
// could create that key. Errors: a *FieldError for grace outside 0..MaxGrace;
// ErrNotFound; ErrKeyRevoked; those of CreateFor for a key wider than the
// caller's.
func (k *Keys) RotateFor(ctx context.Context, caller Principal, id uuid.UUID, grace time.Duration) (NewKey, error) {
	if grace < 0 || grace > MaxGrace {
		return NewKey{}, &FieldError{Field: "grace", Problem: fmt.Sprintf("must be a duration from 0s to %s, such as 24h", MaxGrace)}
	}
	old, err := k.Get(ctx, caller.AccountID, id)
	if err != nil {
		return NewKey{}, err
	}
	if err := grantable(caller, old.Env, old.Scopes, old.AllowedCategories); err != nil {
		return NewKey{}, err
	}
	return k.Rotate(ctx, caller.AccountID, id, grace)
}

// checkSpec checks spec's arguments and fills in the defaults: a live key with
// DefaultScopes.
func checkSpec(spec *KeySpec) error {
	if spec.Env == "" {
		spec.Env = EnvLive
	}
	if len(spec.Scopes) == 0 {
		spec.Scopes = DefaultScopes()
	}
	switch {
	case !spec.Env.Valid():
		return &FieldError{Field: "env", Problem: "must be live or test", Allowed: []string{string(EnvLive), string(EnvTest)}}
	case len([]rune(spec.Name)) > maxKeyName:
		return &FieldError{Field: "name", Problem: fmt.Sprintf("must be at most %d characters", maxKeyName)}
	case !utf8.ValidString(spec.Name) || strings.IndexByte(spec.Name, 0) >= 0: // Postgres stores neither (22021)
		return &FieldError{Field: "name", Problem: "must be valid UTF-8 without NUL characters"}
	}
	for _, s := range spec.Scopes {
		if !ValidScope(s) {
			return &FieldError{Field: "scopes", Problem: fmt.Sprintf("must be known scopes, not %q", s),
				Allowed: append(KnownScopes(), "*", "<resource>:*")}
		}
	}
	for _, c := range spec.AllowedCategories {
		if !ValidCategory(c) {
			return &FieldError{Field: "allowed_categories", Problem: fmt.Sprintf("must each be 1 to 100 of a-z, 0-9 and _, not %q", c)}
		}
	}
	return nil
}

// grantable refuses a key (created or rotated) that could do more than the
// caller's: a live key from a test key, a scope the caller lacks, or wider
// categories than the caller's.
func grantable(caller Principal, env Env, scopes, categories []string) error {
	if caller.Env == EnvTest && env == EnvLive {
		return &FieldError{Field: "env", Problem: "must be test: a test key can create only test keys"}
	}
	for _, s := range scopes {
		if err := caller.RequireScope(s); err != nil {
			return err
		}
	}
	if caller.AllowedCategories != nil && !subset(categories, caller.AllowedCategories) {
		return &FieldError{Field: "allowed_categories", Problem: "must be a subset of the calling key's"}
	}
	return nil
}

// subset reports whether every element of a is in b; a nil a (every category)
// is not a subset of a restricted b.
func subset(a, b []string) bool {
	if a == nil {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
