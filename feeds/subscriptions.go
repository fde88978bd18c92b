package feeds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Subscription is an account's subscription to a feed.
type Subscription struct {
	AccountID    uuid.UUID
	FeedID       uuid.UUID
	Status       string // active | canceled
	SubscribedAt time.Time
	CanceledAt   *time.Time
}

const subscribeSQL = `
INSERT INTO subscriptions (account_id, feed_id) VALUES ($1, $2)
ON CONFLICT (account_id, feed_id) DO UPDATE
    SET status = 'active', canceled_at = NULL,
        subscribed_at = CASE WHEN subscriptions.status = 'active' THEN subscriptions.subscribed_at ELSE now() END
RETURNING account_id, feed_id, status, subscribed_at, canceled_at`

// Subscribe subscribes the account to the published feed named by ref (UUID or
// slug); subscribing again is a no-op. Errors: a *FieldError for an empty ref,
// ErrNotFound, ErrUnavailable.
func (c *Catalog) Subscribe(ctx context.Context, accountID uuid.UUID, ref string) (Subscription, Feed, error) {
	if ref == "" {
		return Subscription{}, Feed{}, &FieldError{Field: "feed", Problem: "must name a feed by UUID or slug"}
	}
	f, err := c.Lookup(ctx, ref)
	if err != nil {
		return Subscription{}, Feed{}, err
	}
	if f.Status != Published {
		return Subscription{}, f, ErrUnavailable
	}
	s, err := scanSubscription(c.pool.QueryRow(ctx, subscribeSQL, accountID, f.ID))
	if err != nil {
		return Subscription{}, f, fmt.Errorf("subscribe: %w", err)
	}
	return s, f, nil
}

const unsubscribeSQL = `
UPDATE subscriptions SET status = 'canceled', canceled_at = coalesce(canceled_at, now())
WHERE account_id = $1 AND feed_id = $2
RETURNING account_id, feed_id, status, subscribed_at, canceled_at`

// Unsubscribe cancels the account's subscription to the feed named by ref.
// Errors: ErrNotFound when the feed does not exist; ErrNotSubscribed when the
// account never subscribed to it.
func (c *Catalog) Unsubscribe(ctx context.Context, accountID uuid.UUID, ref string) (Subscription, Feed, error) {
	f, err := c.Lookup(ctx, ref)
	if err != nil {
		return Subscription{}, Feed{}, err
	}
	s, err := scanSubscription(c.pool.QueryRow(ctx, unsubscribeSQL, accountID, f.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Subscription{}, f, ErrNotSubscribed
	}
	if err != nil {
		return Subscription{}, f, fmt.Errorf("unsubscribe: %w", err)
	}
	return s, f, nil
}

func scanSubscription(row pgx.Row) (Subscription, error) {
	var s Subscription
	err := row.Scan(&s.AccountID, &s.FeedID, &s.Status, &s.SubscribedAt, &s.CanceledAt)
	return s, err
}

// Listing is a feed as an account sees it in the catalogue.
type Listing struct {
	Feed
	Categories   []string
	Subscription *Subscription // nil: the account never subscribed
}

const listSQL = `
SELECT ` + feedColumns + `,
       coalesce((SELECT array_agg(category ORDER BY entry_count DESC, category) FROM feed_categories fc
                 WHERE fc.feed_id = f.id AND fc.entry_count > 0), '{}'),
       s.status, s.subscribed_at, s.canceled_at,
       count(*) OVER ()
FROM feeds f
LEFT JOIN subscriptions s ON s.feed_id = f.id AND s.account_id = $1
WHERE f.status = 'published' OR s.status = 'active'
ORDER BY f.entry_count DESC, f.slug
LIMIT $2 OFFSET $3`

// Bounds of a page of the catalogue (List). The catalogue is short: a page
// holds all of it unless the caller asks for less.
const (
	MaxListLimit  = 50
	MaxListOffset = 10_000
)

// List returns a page of the catalogue for an account: every published feed and
// any other feed it subscribes to, most entries first, with the account's
// subscription, and the total number of such feeds. Errors: a *FieldError for
// limit outside 1..MaxListLimit or offset outside 0..MaxListOffset.
func (c *Catalog) List(ctx context.Context, accountID uuid.UUID, limit, offset int) ([]Listing, int64, error) {
	switch {
	case limit < 1 || limit > MaxListLimit:
		return nil, 0, between("limit", 1, MaxListLimit)
	case offset < 0 || offset > MaxListOffset:
		return nil, 0, between("offset", 0, MaxListOffset)
	}
	rows, err := c.reader(ctx).Query(ctx, listSQL, accountID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list feeds: %w", err)
	}
	defer rows.Close()
	var out []Listing
	var total int64
	for rows.Next() {
		var l Listing
		var status *string
		var subscribedAt, canceledAt *time.Time
		if err := rows.Scan(&l.ID, &l.Slug, &l.Name, &l.Description, &l.LicensorName, &l.Status,
			&l.Language, &l.IsPaid, &l.OwnerAccountID, &l.EntryCount, &l.LastEntryAt, &l.CreatedAt,
			&l.Categories, &status, &subscribedAt, &canceledAt, &total); err != nil {
			return nil, 0, fmt.Errorf("list feeds: %w", err)
		}
		if status != nil {
			l.Subscription = &Subscription{AccountID: accountID, FeedID: l.ID, Status: *status,
				SubscribedAt: *subscribedAt, CanceledAt: canceledAt}
		}
		out = append(out, l)
	}
	return out, total, rows.Err()
}

// Totals sums up the published catalogue.
type Totals struct {
	Feeds       int64
	Entries     int64
	LastUpdated *time.Time
	FeedIDs     []uuid.UUID
}

const totalsSQL = `
SELECT count(*), coalesce(sum(entry_count), 0)::bigint, max(last_entry_at), coalesce(array_agg(id), '{}')
FROM feeds WHERE status = 'published'`

// Totals counts published feeds and their entries.
func (c *Catalog) Totals(ctx context.Context) (Totals, error) {
	var t Totals
	if err := c.reader(ctx).QueryRow(ctx, totalsSQL).Scan(&t.Feeds, &t.Entries, &t.LastUpdated, &t.FeedIDs); err != nil {
		return Totals{}, fmt.Errorf("count feeds: %w", err)
	}
	return t, nil
}

const allFeedsSQL = `SELECT ` + feedColumns + ` FROM feeds f ORDER BY f.slug`

// All returns every feed, whatever its status, by slug.
func (c *Catalog) All(ctx context.Context) ([]Feed, error) {
	rows, err := c.pool.Query(ctx, allFeedsSQL)
	if err != nil {
		return nil, fmt.Errorf("list all feeds: %w", err)
	}
	defer rows.Close()
	var out []Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("list all feeds: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
