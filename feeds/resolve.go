package feeds

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// MaxFanOut is how many feeds "all" searches at most (most entries first).
const MaxFanOut = 10

// Selection is how a request names the feeds it reads (API.md §2).
type Selection struct {
	// Value is a feed UUID or slug, or "all"; "" when the request names none.
	Value string
	// AllowAll: the request accepts "all" (search and recent lists).
	AllowAll bool
	// AutoSelect: with no value, pick the most-populated subscribed feed (search,
	// recent, categories). Otherwise a missing value is allowed only for an
	// account with exactly one subscribed feed.
	AutoSelect bool
}

// Resolution is the feed set a request reads.
type Resolution struct {
	Feeds        []Feed // 1..MaxFanOut published, actively subscribed feeds
	All          bool   // "all" was asked for
	AutoSelected bool   // no feed was named; Feeds[0] was chosen
	Truncated    int    // with All: subscribed feeds left out past MaxFanOut
}

// SelectionError is a failed resolution: the sentinel it wraps says which rule
// failed (ErrInvalidSelection, ErrNotFound, ErrNotSubscribed, ErrUnavailable)
// and Message says it in words for the client.
type SelectionError struct {
	Err     error
	Message string
}

// Error is the message.
func (e *SelectionError) Error() string { return e.Message }

// Unwrap returns the sentinel.
func (e *SelectionError) Unwrap() error { return e.Err }

func selectionErr(err error, format string, args ...any) *SelectionError {
	return &SelectionError{Err: err, Message: fmt.Sprintf(format, args...)}
}

// Resolve turns a request's selection into the feeds it reads for accountID:
// only feeds the account sees (public, its own, granted to it); another
// account's private feed is not found. Errors: a *SelectionError.
func (c *Catalog) Resolve(ctx context.Context, accountID uuid.UUID, s Selection) (Resolution, error) {
	v := strings.TrimSpace(s.Value)
	switch {
	case v == "":
		return c.resolveOmitted(ctx, accountID, s.AutoSelect)
	case strings.EqualFold(v, "all"):
		if !s.AllowAll {
			return Resolution{}, selectionErr(ErrInvalidSelection, `"all" is accepted only when searching or listing recent entries; name one feed`)
		}
		return c.resolveAll(ctx, accountID)
	}
	if _, err := uuid.Parse(v); err != nil && !ValidSlug(v) {
		return Resolution{}, selectionErr(ErrInvalidSelection, "the feed must be a feed UUID, a slug or \"all\"")
	}
	f, ok, err := c.lookupSubscribed(ctx, accountID, v)
	if err != nil {
		return Resolution{}, wrapLookup(err)
	}
	if f.Status != Published {
		return Resolution{}, selectionErr(ErrUnavailable, "feed %q is %s", f.Slug, f.Status)
	}
	if !ok {
		return Resolution{}, selectionErr(ErrNotSubscribed, "the account has no active subscription to feed %q", f.Slug)
	}
	return Resolution{Feeds: []Feed{f}}, nil
}

func wrapLookup(err error) error {
	if err == ErrNotFound {
		return selectionErr(ErrNotFound, "no such feed")
	}
	return err
}

func (c *Catalog) resolveOmitted(ctx context.Context, accountID uuid.UUID, autoSelect bool) (Resolution, error) {
	feeds, _, err := c.subscribedFeeds(ctx, accountID, 2)
	if err != nil {
		return Resolution{}, err
	}
	switch {
	case len(feeds) == 0:
		return Resolution{}, selectionErr(ErrNotSubscribed, "the account has no active feed subscriptions")
	case autoSelect:
		return Resolution{Feeds: feeds[:1], AutoSelected: true}, nil
	case len(feeds) > 1:
		return Resolution{}, selectionErr(ErrInvalidSelection, "the account subscribes to several feeds; name one")
	}
	return Resolution{Feeds: feeds, AutoSelected: true}, nil
}

func (c *Catalog) resolveAll(ctx context.Context, accountID uuid.UUID) (Resolution, error) {
	feeds, total, err := c.subscribedFeeds(ctx, accountID, MaxFanOut)
	if err != nil {
		return Resolution{}, err
	}
	if len(feeds) == 0 {
		return Resolution{}, selectionErr(ErrNotSubscribed, "the account has no active feed subscriptions")
	}
	return Resolution{Feeds: feeds, All: true, Truncated: int(total) - len(feeds)}, nil
}

const subscribedFeedsSQL = `
SELECT ` + feedColumns + `, count(*) OVER ()
FROM subscriptions s JOIN feeds f ON f.id = s.feed_id ` + grantsJoin + `
WHERE s.account_id = $1 AND s.status = 'active' AND f.status = 'published' AND ` + visible + `
ORDER BY f.entry_count DESC, f.id
LIMIT $2`

// subscribedFeeds returns up to limit published, actively subscribed feeds the
// account sees, most entries first, and how many there are in all.
func (c *Catalog) subscribedFeeds(ctx context.Context, accountID uuid.UUID, limit int) ([]Feed, int64, error) {
	rows, err := c.pool.Query(ctx, subscribedFeedsSQL, accountID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list subscribed feeds: %w", err)
	}
	defer rows.Close()
	var out []Feed
	var total int64
	for rows.Next() {
		f, err := scanFeed(rows, &total)
		if err != nil {
			return nil, 0, fmt.Errorf("list subscribed feeds: %w", err)
		}
		out = append(out, f)
	}
	return out, total, rows.Err()
}

const lookupSubscribedSQL = `
SELECT ` + feedColumns + `, s.account_id IS NOT NULL
FROM feeds f ` + grantsJoin + `
LEFT JOIN subscriptions s ON s.feed_id = f.id AND s.account_id = $1 AND s.status = 'active'
WHERE (($2::uuid IS NOT NULL AND f.id = $2) OR f.slug = $3) AND ` + visible

// lookupSubscribed finds a feed by UUID or slug among those the account sees,
// and whether the account has an active subscription to it, in one query (it
// runs on every feed-scoped request). Errors: ErrNotFound, also for another
// account's private feed.
func (c *Catalog) lookupSubscribed(ctx context.Context, accountID uuid.UUID, ref string) (Feed, bool, error) {
	var subscribed bool
	f, err := scanFeed(c.pool.QueryRow(ctx, lookupSubscribedSQL, accountID, refID(ref), ref), &subscribed)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Feed{}, false, fmt.Errorf("look up feed: %w", err)
	}
	return f, subscribed, err
}
