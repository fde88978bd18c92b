package feeds

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
        subscribed_at = CASE WHEN subscriptions.status = 'active' THEN subscriptions.subscribed_at
                             ELSE excluded.subscribed_at END
RETURNING account_id, feed_id, status, subscribed_at, canceled_at`

// Subscribe subscribes the account to the published feed named by ref (UUID or
// slug) among those it sees (public, its own, granted to it); subscribing
// again is a no-op. Errors: a *FieldError for an empty ref, ErrNotFound (also
// for another account's private feed), ErrUnavailable.
func (c *Catalog) Subscribe(ctx context.Context, accountID uuid.UUID, ref string) (Subscription, Feed, error) {
	if ref == "" {
		return Subscription{}, Feed{}, &FieldError{Field: "feed", Problem: "must name a feed by UUID or slug"}
	}
	f, err := c.lookupVisible(ctx, accountID, ref)
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
UPDATE subscriptions SET status = 'canceled', canceled_at = coalesce(canceled_at, $3)
WHERE account_id = $1 AND feed_id = $2
RETURNING account_id, feed_id, status, subscribed_at, canceled_at`

// Unsubscribe cancels the account's subscription to the feed named by ref.
// Errors: ErrNotFound when the feed does not exist or the account does not see
// it; ErrNotSubscribed when the account never subscribed to it.
func (c *Catalog) Unsubscribe(ctx context.Context, accountID uuid.UUID, ref string) (Subscription, Feed, error) {
	f, err := c.lookupVisible(ctx, accountID, ref)
	if err != nil {
		return Subscription{}, Feed{}, err
	}
	s, err := scanSubscription(c.pool.QueryRow(ctx, unsubscribeSQL, accountID, f.ID, time.Now()))
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

// listSQL reads a page of the catalogue, and listCategoriesSQL the categories
// of its feeds: two statements, so that feed_categories (distributed by feed)
// is read for the page's feeds only rather than through a subquery per feed.
const listSQL = `
SELECT ` + feedColumns + `,
       s.status, s.subscribed_at, s.canceled_at,
       count(*) OVER ()
FROM feeds f ` + grantsJoin + `
LEFT JOIN subscriptions s ON s.feed_id = f.id AND s.account_id = $1
WHERE (f.status = 'published' OR s.status = 'active') AND ` + visible + `
ORDER BY f.entry_count DESC, f.slug
LIMIT $2 OFFSET $3`

const listCategoriesSQL = `
SELECT feed_id, array_agg(category ORDER BY entry_count DESC, category)
FROM feed_categories WHERE feed_id = ANY($1) AND entry_count > 0
GROUP BY feed_id`

// Bounds of a page of the catalogue (List). The catalogue is short: a page
// holds all of it unless the caller asks for less.
const (
	MaxListLimit  = 50
	MaxListOffset = 10_000
)

// List returns a page of the catalogue for an account: every published feed it
// sees (public, its own, granted to it) and any other of those it subscribes
// to, most entries first, with the account's
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
		var err error
		if l.Feed, err = scanFeed(rows, &status, &subscribedAt, &canceledAt, &total); err != nil {
			return nil, 0, fmt.Errorf("list feeds: %w", err)
		}
		if status != nil {
			l.Subscription = &Subscription{AccountID: accountID, FeedID: l.ID, Status: *status,
				SubscribedAt: *subscribedAt, CanceledAt: canceledAt}
		}
		l.Categories = []string{}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list feeds: %w", err)
	}
	if err := c.listCategories(ctx, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// listCategories fills in the categories of each listed feed, most entries
// first.
func (c *Catalog) listCategories(ctx context.Context, listed []Listing) error {
	if len(listed) == 0 {
		return nil
	}
	at := make(map[uuid.UUID]int, len(listed))
	ids := make([]uuid.UUID, len(listed))
	for i, l := range listed {
		at[l.ID], ids[i] = i, l.ID
	}
	rows, err := c.pool.Query(ctx, listCategoriesSQL, ids)
	if err != nil {
		return fmt.Errorf("list feeds: categories: %w", err)
	}
	var id uuid.UUID
	var categories []string
	_, err = pgx.ForEachRow(rows, []any{&id, &categories}, func() error {
		listed[at[id]].Categories = slices.Clone(categories)
		return nil
	})
	if err != nil {
		return fmt.Errorf("list feeds: categories: %w", err)
	}
	return nil
}

// Totals sums up the public, published catalogue: a private feed is never
// counted.
type Totals struct {
	Feeds       int64
	Entries     int64
	LastUpdated *time.Time
	FeedIDs     []uuid.UUID
}

const totalsSQL = `
SELECT count(*), coalesce(sum(entry_count), 0)::bigint, max(last_entry_at), coalesce(array_agg(id), '{}')
FROM feeds WHERE status = 'published' AND visibility = 'public'`

// Totals counts public, published feeds and their entries.
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
