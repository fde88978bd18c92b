// Package auth owns accounts, tiers, API keys (format, hashing, scopes), the
// per-minute rate limits and the monthly quotas, with the accounts, api_keys and
// usage_counters tables.
//
// It imports nothing of kapi's own packages and nothing of HTTP frameworks:
// callers pass identities in as parameters. The services are Accounts, Keys
// (creation, rotation, revocation and the cached verification of the hot path),
// Limiter (per-minute, Redis or in-process) and Quota (monthly, reserve then
// commit or release).
package auth

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Sentinel errors. The request layer (cmd/kapi/api) maps each to an API code.
var (
	// ErrUnauthorized: the key is unknown, revoked, expired or has a wrong secret.
	ErrUnauthorized = errors.New("auth: invalid or missing API key")
	// ErrMalformedKey: the key does not have the pg_<env>_<id>_<secret> shape.
	// It is checked before any database work.
	ErrMalformedKey = errors.New("auth: malformed API key")
	// ErrInsufficientScope: the key lacks a scope; see *ScopeError.
	ErrInsufficientScope = errors.New("auth: insufficient scope")
	// ErrSubscriptionInactive: the account's subscription is past_due or canceled.
	ErrSubscriptionInactive = errors.New("auth: subscription inactive")
	// ErrTermsNotAccepted: the account must accept the current terms.
	ErrTermsNotAccepted = errors.New("auth: terms not accepted")
	// ErrRateLimited: a per-minute or monthly limit is reached; see *LimitError.
	ErrRateLimited = errors.New("auth: rate limit exceeded")
	// ErrNotFound: the account or key does not exist or is not visible to the caller.
	ErrNotFound = errors.New("auth: not found")
	// ErrInvalid: an argument (tier, status, scope, env, name) is not valid; the
	// wrapped message says which.
	ErrInvalid = errors.New("auth: invalid argument")
	// ErrKeyRevoked: the key is revoked and cannot be rotated.
	ErrKeyRevoked = errors.New("auth: key is revoked")
	// ErrCategoryRestricted: a request names a category outside the key's
	// allowed categories; see *CategoryError.
	ErrCategoryRestricted = errors.New("auth: category restricted")
)

// ScopeError says which scope a request needed. It matches ErrInsufficientScope.
type ScopeError struct {
	Required string
}

// Error says which scope was required.
func (e *ScopeError) Error() string {
	return fmt.Sprintf("auth: insufficient scope: %s required", e.Required)
}

// Is makes errors.Is(err, ErrInsufficientScope) true.
func (e *ScopeError) Is(target error) bool { return target == ErrInsufficientScope }

// CategoryError says which requested category the key may not read, and which
// it may. It matches ErrCategoryRestricted.
type CategoryError struct {
	Category string
	Allowed  []string
}

// Error names the category.
func (e *CategoryError) Error() string {
	return fmt.Sprintf("auth: category %q is not among the key's allowed categories", e.Category)
}

// Is makes errors.Is(err, ErrCategoryRestricted) true.
func (e *CategoryError) Is(target error) bool { return target == ErrCategoryRestricted }

// LimitKind names the limit a request ran into.
type LimitKind string

// The limits of API.md §7.
const (
	LimitMinute LimitKind = "minute"
	LimitMonth  LimitKind = "month"
)

// LimitError is a refused admission: which limit, and when to retry. It matches
// ErrRateLimited.
type LimitError struct {
	Kind       LimitKind
	RetryAfter time.Duration
}

// Error says which limit was hit and when to retry.
func (e *LimitError) Error() string {
	return fmt.Sprintf("auth: %s limit exceeded, retry after %s", e.Kind, e.RetryAfter)
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *LimitError) Is(target error) bool { return target == ErrRateLimited }

// Env is a key's environment: live keys count against the account's quota, test
// keys against their own fixed allowance.
type Env string

// The key environments.
const (
	EnvLive Env = "live"
	EnvTest Env = "test"
)

// Valid reports whether e is live or test.
func (e Env) Valid() bool { return e == EnvLive || e == EnvTest }

// Tier is an account's plan.
type Tier string

// The tiers of API.md §7.
const (
	TierStarter Tier = "starter"
	TierPro     Tier = "pro"
	TierScale   Tier = "scale"
)

// Valid reports whether t is a known tier.
func (t Tier) Valid() bool { return t == TierStarter || t == TierPro || t == TierScale }

// Subscription statuses of an account.
const (
	StatusActive   = "active"
	StatusPastDue  = "past_due"
	StatusCanceled = "canceled"
)

// Principal is who a verified key speaks for: the result of Keys.Authenticate.
// It is a value; handlers read it, never change it.
type Principal struct {
	AccountID          uuid.UUID
	KeyID              uuid.UUID // api_keys.id
	KeyPrefix          string    // display form, pg_live_a1b2c3d4_…
	Env                Env
	Scopes             []string
	AllowedCategories  []string // nil: every category
	Tier               Tier
	SubscriptionStatus string
	TermsAccepted      bool
}

// Allows reports whether the principal's scopes grant scope.
func (p Principal) Allows(scope string) bool { return ScopesAllow(p.Scopes, scope) }

// RequireScope returns a *ScopeError (matching ErrInsufficientScope) when the
// principal lacks scope.
func (p Principal) RequireScope(scope string) error {
	if p.Allows(scope) {
		return nil
	}
	return &ScopeError{Required: scope}
}

// RequireCategories returns a *CategoryError (matching ErrCategoryRestricted)
// for the first of the requested categories, in their stored form, that the
// key may not read; "" requests none. A key without allowed categories reads
// them all. Results are otherwise filtered to the allowed categories silently.
func (p Principal) RequireCategories(requested ...string) error {
	if p.AllowedCategories == nil {
		return nil
	}
	for _, c := range requested {
		if c != "" && !slices.Contains(p.AllowedCategories, c) {
			return &CategoryError{Category: c, Allowed: p.AllowedCategories}
		}
	}
	return nil
}

// CheckAccount returns ErrSubscriptionInactive when the subscription is past_due
// or canceled, else ErrTermsNotAccepted when the terms are not accepted. Knowledge
// endpoints call it; /usage and key management do not.
func (p Principal) CheckAccount() error {
	if p.SubscriptionStatus != StatusActive {
		return ErrSubscriptionInactive
	}
	if !p.TermsAccepted {
		return ErrTermsNotAccepted
	}
	return nil
}
