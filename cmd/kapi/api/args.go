package api

import (
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The arguments of a request as a surface bound them: REST from a query
// string, MCP from a tool call's JSON. Their values are checked here and in
// the domain packages, once for both.

// Int is an optional whole-number argument: Set when it was sent, Bad when it
// was sent but is no whole number.
type Int struct {
	Value    int
	Set, Bad bool
}

// Or is the value, def when it was not sent. A bad value is outside every
// range, so the domain's check names the field with its bounds.
func (n Int) Or(def int) int {
	switch {
	case !n.Set:
		return def
	case n.Bad:
		return math.MinInt
	}
	return n.Value
}

// Float is an optional number argument: Set when it was sent, Bad when it was
// sent but is no number.
type Float struct {
	Value    float64
	Set, Bad bool
}

// Ptr is the value, nil when it was not sent; a bad value is NaN, outside
// every range.
func (f Float) Ptr() *float64 {
	switch {
	case !f.Set:
		return nil
	case f.Bad:
		return new(math.NaN())
	}
	return &f.Value
}

// Or is the value, def when it was not sent, NaN when it is bad.
func (f Float) Or(def float64) float64 {
	if p := f.Ptr(); p != nil {
		return *p
	}
	return def
}

// SplitList splits a comma-separated list, trimming the items and dropping
// empty ones; nil when none is left.
func SplitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Verbosity values: full adds timestamps, scores and highlights (API.md §5).
const (
	Full    = "full"
	Compact = "compact"
)

// isFull reads a verbosity argument; the surface fills in its default.
func isFull(v string) (bool, error) {
	switch v {
	case Full:
		return true, nil
	case Compact:
		return false, nil
	}
	return false, Invalid("verbosity", "must be full or compact", map[string]any{"allowed": []string{Full, Compact}})
}

// parseSince reads an RFC 3339 time argument.
func parseSince(v string) (*time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
	if err != nil {
		return nil, Invalid("since", "must be an RFC 3339 time such as 2026-11-01T00:00:00Z", nil)
	}
	return &t, nil
}

// entryID reads an entry id argument.
func entryID(v string) (uuid.UUID, error) {
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.Nil, Invalid("id", "must be an entry UUID", nil)
	}
	return id, nil
}
