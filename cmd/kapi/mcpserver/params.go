package mcpserver

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// Argument bounds, the same as REST's parameters (API.md §4).
const (
	defaultLimit   = 5
	maxLimit       = 50
	defaultDays    = 7
	maxDays        = 3_650
	maxQueryLength = 1_000 // characters of a search query
	maxParamLength = 2_000 // bytes of any other argument
)

// scopeKind says which feed rules a tool follows (API.md §2).
type scopeKind int

const (
	scopeSearch     scopeKind = iota // search, recent: "all" allowed, auto-select
	scopeCategories                  // category summary: auto-select, no "all"
	scopeSingle                      // get: one feed, or the only subscribed one
)

// resolveFeeds applies the REST feed rules to the feed argument.
// Errors: a *feeds.SelectionError, or INVALID_FEED for an over-long value.
func (s *server) resolveFeeds(ctx context.Context, p auth.Principal, feed string, kind scopeKind) (feeds.Resolution, error) {
	if len(feed) > maxParamLength {
		return feeds.Resolution{}, newError(wire.CodeInvalidFeed, "", map[string]any{"field": "feed"})
	}
	return s.catalog.Resolve(ctx, p.AccountID, feeds.Selection{
		Value: feed, AllowAll: kind == scopeSearch, AutoSelect: kind != scopeSingle})
}

// intArg reads an optional whole number within lo..hi, default def.
func intArg(name string, n flexInt, def, lo, hi int) (int, error) {
	if !n.Set {
		return def, nil
	}
	if n.bad || n.Value < lo || n.Value > hi {
		return 0, invalid(name, fmt.Sprintf("%s must be a whole number between %d and %d", name, lo, hi))
	}
	return n.Value, nil
}

// confidenceArg reads confidence_min: 0..1, default 0.
func confidenceArg(n flexFloat) (float64, error) {
	if !n.Set {
		return 0, nil
	}
	if n.bad || n.Value < 0 || n.Value > 1 {
		return 0, invalid("confidence_min", "confidence_min must be a number between 0 and 1")
	}
	return n.Value, nil
}

// verbosityArg reads verbosity (full | compact, default def); true means full.
func verbosityArg(v, def string) (bool, error) {
	if v == "" {
		v = def
	}
	switch v {
	case "full":
		return true, nil
	case "compact":
		return false, nil
	}
	return false, invalid("verbosity", "verbosity must be full or compact")
}

// textArg reads a trimmed free-text argument of at most max characters.
func textArg(name, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if utf8.RuneCountInString(v) > max {
		return "", invalid(name, fmt.Sprintf("%s must be at most %d characters", name, max))
	}
	return v, nil
}

// sinceArg reads since (RFC 3339) or days (default 7); since wins.
func sinceArg(since string, days flexInt, now time.Time) (*time.Time, error) {
	if since = strings.TrimSpace(since); since != "" {
		t, err := time.Parse(time.RFC3339, since)
		if err != nil {
			return nil, invalid("since", "since must be an RFC 3339 time such as 2026-11-01T00:00:00Z")
		}
		return &t, nil
	}
	n, err := intArg("days", days, defaultDays, 1, maxDays)
	if err != nil {
		return nil, err
	}
	t := now.Add(-time.Duration(n) * 24 * time.Hour)
	return &t, nil
}

// categoryArgs normalises requested categories; nil when none were named.
func categoryArgs(raw []string) ([]string, error) {
	var out []string
	for _, c := range raw {
		n := search.NormaliseCategory(c)
		if n == "" {
			return nil, invalid("categories", "a category must contain a letter or digit")
		}
		out = append(out, n)
	}
	return out, nil
}

// checkCategories enforces the key's allowed categories on explicitly requested
// ones (CATEGORY_RESTRICTED); results are otherwise filtered silently.
func checkCategories(p auth.Principal, requested ...string) error {
	if p.AllowedCategories == nil {
		return nil
	}
	for _, c := range requested {
		if c != "" && !slices.Contains(p.AllowedCategories, c) {
			return newError(wire.CodeCategoryRestricted, "This API key may not read category \""+c+"\".",
				map[string]any{"category": c, "allowed_categories": p.AllowedCategories})
		}
	}
	return nil
}
