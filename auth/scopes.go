package auth

import (
	"fmt"
	"slices"
	"strings"
)

// KnownScopes returns the scopes of API.md §1, without wildcards.
func KnownScopes() []string { return slices.Clone(knownScopes[:]) }

// The scopes of API.md §1. "*" grants everything; "resource:*" every action on a
// resource.
var knownScopes = [...]string{
	"knowledge:read", "knowledge:write", "feeds:read", "feeds:write",
	"usage:read", "keys:read", "keys:write",
}

// DefaultScopes returns the scopes of a key created without any.
func DefaultScopes() []string { return []string{"knowledge:read", "feeds:read", "usage:read"} }

// ScopesAllow reports whether granted contains required, directly or through a
// "*" or "resource:*" wildcard.
func ScopesAllow(granted []string, required string) bool {
	resource, _, _ := strings.Cut(required, ":")
	for _, g := range granted {
		if g == required || g == "*" || g == resource+":*" {
			return true
		}
	}
	return false
}

// ValidateScopes returns an error wrapping ErrInvalid naming the first scope that
// is neither a known scope, "*", nor "resource:*" for a known resource.
func ValidateScopes(scopes []string) error {
	if len(scopes) == 0 {
		return fmt.Errorf("%w: at least one scope is needed", ErrInvalid)
	}
	for _, s := range scopes {
		if !ValidScope(s) {
			return fmt.Errorf("%w: unknown scope %q", ErrInvalid, s)
		}
	}
	return nil
}

// ValidScope reports whether s is a known scope, "*", or "resource:*" for a
// known resource.
func ValidScope(s string) bool {
	if s == "*" {
		return true
	}
	for _, k := range knownScopes {
		resource, _, _ := strings.Cut(k, ":")
		if s == k || s == resource+":*" {
			return true
		}
	}
	return false
}

// ParseScopes splits a space- or comma-separated scope list.
func ParseScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}
