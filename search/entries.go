package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ListQuery selects entries of some feeds, newest first (updated_at, then id).
type ListQuery struct {
	Feeds             []Feed
	Category          string     // "": any
	Text              string     // "": no full-text filter; else plain words, all must match
	ConfidenceMin     float64    // 0..1
	Since             *time.Time // nil: any time
	AllowedCategories []string   // nil: any (the key's restriction)
	Limit, Offset     int
}

// entryColumns is what scanEntry reads; queries name the entries table "e".
const entryColumns = `e.id, e.feed_id, e.external_id, e.title, e.content, e.category, e.tags,
       e.confidence, coalesce(e.source_url, ''), e.metadata, e.created_at, e.updated_at`

func scanEntry(row pgx.Row) (Entry, error) {
	var x Entry
	var conf float32
	err := row.Scan(&x.ID, &x.FeedID, &x.ExternalID, &x.Title, &x.Content, &x.Category, &x.Tags,
		&conf, &x.SourceURL, &x.Metadata, &x.CreatedAt, &x.UpdatedAt)
	x.Confidence = float64(conf)
	return x, err
}

// listSQL and listTextSQL: the feed set is joined with its languages so the
// text filter ($4) is built in each feed's text-search configuration; the
// feeds are also named directly, so that entries distributed by feed are read
// from theirs only. listTextSQL reads the entries that match the text filter
// by (feed, doc_no), from the keyword index (listtext.go: $10 and $11, $8 and
// $9 in the count); listSQL checks the filter, if any, on every entry.
// (listTextSQL's condition on $4, the text, always holds: it gives $4, which
// listWhere skips, a use.)
const (
	listWhere = `
  AND ($3 = '' OR e.category = $3)
  AND e.confidence >= $5
  AND ($6::timestamptz IS NULL OR e.updated_at >= $6)
  AND ($7::text[] IS NULL OR e.category = ANY($7))`
	listSQL = `
SELECT ` + entryColumns + `
FROM unnest($1::uuid[], $2::text[]) AS f (id, lang)
JOIN entries e ON e.feed_id = f.id
WHERE e.feed_id = ANY($1)
  AND ($4 = '' OR e.search_vector @@ plainto_tsquery(f.lang::regconfig, $4))` + listWhere + `
ORDER BY e.updated_at DESC, e.id DESC
LIMIT $8 OFFSET $9`
	listTextSQL = `
SELECT ` + entryColumns + `
FROM unnest($1::uuid[], $2::text[]) AS f (id, lang)
JOIN unnest($10::uuid[], $11::bigint[]) AS c (feed_id, doc_no) ON c.feed_id = f.id
JOIN entries e ON e.feed_id = c.feed_id AND e.doc_no = c.doc_no
WHERE e.feed_id = ANY($1) AND $4 <> ''` + listWhere + `
ORDER BY e.updated_at DESC, e.id DESC
LIMIT $8 OFFSET $9`
	countSQL = `
SELECT count(*)
FROM unnest($1::uuid[], $2::text[]) AS f (id, lang)
JOIN entries e ON e.feed_id = f.id
WHERE e.feed_id = ANY($1)
  AND ($4 = '' OR e.search_vector @@ plainto_tsquery(f.lang::regconfig, $4))` + listWhere
	countTextSQL = `
SELECT count(*)
FROM unnest($1::uuid[], $2::text[]) AS f (id, lang)
JOIN unnest($8::uuid[], $9::bigint[]) AS c (feed_id, doc_no) ON c.feed_id = f.id
JOIN entries e ON e.feed_id = c.feed_id AND e.doc_no = c.doc_no
WHERE e.feed_id = ANY($1) AND $4 <> ''` + listWhere
)

// List returns a page of entries and the number of entries that match in all:
// the page and the count are two statements sent at once (a window count
// would carry every matching row to the one computing it before the LIMIT).
func (e *Engine) List(ctx context.Context, q ListQuery) ([]Entry, int64, error) {
	ids, langs := feedColumns(q.Feeds)
	e = e.reading(ctx, ids)
	var c candidates
	byIndex := false
	if q.Text != "" {
		var err error
		if c, byIndex, err = e.textCandidates(ctx, q.Feeds, q.Text); err != nil {
			return nil, 0, err
		}
	}
	b := &pgx.Batch{}
	if byIndex {
		b.Queue(listTextSQL, ids, langs, q.Category, q.Text, q.ConfidenceMin, q.Since, q.AllowedCategories, q.Limit, q.Offset, pgUUIDs(c.feeds), c.docs)
		b.Queue(countTextSQL, ids, langs, q.Category, q.Text, q.ConfidenceMin, q.Since, q.AllowedCategories, pgUUIDs(c.feeds), c.docs)
	} else {
		b.Queue(listSQL, ids, langs, q.Category, q.Text, q.ConfidenceMin, q.Since, q.AllowedCategories, q.Limit, q.Offset)
		b.Queue(countSQL, ids, langs, q.Category, q.Text, q.ConfidenceMin, q.Since, q.AllowedCategories)
	}
	br := e.pool.SendBatch(ctx, b)
	defer br.Close()
	rows, err := br.Query()
	if err != nil {
		return nil, 0, fmt.Errorf("list entries: %w", err)
	}
	out := []Entry{}
	for rows.Next() {
		x, err := scanEntry(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("list entries: %w", err)
		}
		out = append(out, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list entries: %w", err)
	}
	var total int64
	if err := br.QueryRow().Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count entries: %w", err)
	}
	return out, total, br.Close()
}

func feedColumns(feeds []Feed) ([]uuid.UUID, []string) {
	ids := make([]uuid.UUID, len(feeds))
	langs := make([]string, len(feeds))
	for i, f := range feeds {
		ids[i], langs[i] = f.ID, f.Language
	}
	return ids, langs
}

const getSQL = `
SELECT ` + entryColumns + `
FROM entries e
WHERE e.feed_id = ANY($1) AND e.id = $2 AND ($3::text[] IS NULL OR e.category = ANY($3))`

// Get returns the entry with id if it belongs to one of feeds and to an allowed
// category (nil: any). Errors: ErrNotFound otherwise.
func (e *Engine) Get(ctx context.Context, feeds []Feed, id uuid.UUID, allowedCategories []string) (Entry, error) {
	ids := feedIDs(feeds)
	x, err := scanEntry(e.reading(ctx, ids).pool.QueryRow(ctx, getSQL, ids, id, allowedCategories))
	if errors.Is(err, pgx.ErrNoRows) {
		return Entry{}, ErrNotFound
	}
	if err != nil {
		return Entry{}, fmt.Errorf("get entry: %w", err)
	}
	return x, nil
}

const deleteEntrySQL = `DELETE FROM entries WHERE feed_id = $1 AND id = $2`

// countFeedEntriesSQL adds $2 entries (negative: removes) to feed $1's count,
// and sets its last_entry_at to $3 when $3 is not NULL. The writers of entries
// run it at the end of their transaction (008_feed_counters.sql): the feeds
// row is a row of every feed, which triggers on entries do not write.
const countFeedEntriesSQL = `
UPDATE feeds SET entry_count = entry_count + $2, last_entry_at = coalesce($3, last_entry_at)
WHERE id = $1`

// Delete removes the entry with id from feed. Errors: ErrNotFound.
func (e *Engine) Delete(ctx context.Context, feedID, id uuid.UUID) error {
	return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, deleteEntrySQL, feedID, id)
		if err != nil {
			return fmt.Errorf("delete entry: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if _, err := tx.Exec(ctx, countFeedEntriesSQL, feedID, -1, nil); err != nil {
			return fmt.Errorf("delete entry: count: %w", err)
		}
		e.wrote(feedID)
		return nil
	})
}

// CategoryCount is a category of a feed with its number of entries.
type CategoryCount struct {
	Category    string
	Count       int64
	Description string
}

const categoriesSQL = `
SELECT category, sum(entry_count)::bigint, max(description)
FROM feed_categories
WHERE feed_id = ANY($1) AND entry_count > 0 AND ($2::text[] IS NULL OR category = ANY($2))
GROUP BY category
ORDER BY 2 DESC, 1`

// Categories counts the entries of feeds per category, most first, limited to
// allowed categories (nil: any).
func (e *Engine) Categories(ctx context.Context, feeds []Feed, allowed []string) ([]CategoryCount, error) {
	ids := feedIDs(feeds)
	rows, err := e.reading(ctx, ids).pool.Query(ctx, categoriesSQL, ids, allowed)
	if err != nil {
		return nil, fmt.Errorf("count categories: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CategoryCount, error) {
		var c CategoryCount
		err := r.Scan(&c.Category, &c.Count, &c.Description)
		return c, err
	})
}

// DistinctCategories counts the categories in use across feeds.
func (e *Engine) DistinctCategories(ctx context.Context, feeds []uuid.UUID) (int64, error) {
	var n int64
	err := e.reading(ctx, feeds).pool.QueryRow(ctx, `SELECT count(DISTINCT category) FROM feed_categories
		WHERE feed_id = ANY($1) AND entry_count > 0`, feeds).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count categories: %w", err)
	}
	return n, nil
}

const describeSQL = `
INSERT INTO feed_categories (feed_id, category, description)
SELECT $1, c, d FROM unnest($2::text[], $3::text[]) AS t (c, d)
ON CONFLICT (feed_id, category) DO UPDATE SET description = excluded.description`

// DescribeCategories sets the descriptions of a feed's categories (names are
// normalised as entries' are).
func (e *Engine) DescribeCategories(ctx context.Context, feedID uuid.UUID, descriptions map[string]string) error {
	var names, texts []string
	for name, text := range descriptions {
		if c := NormaliseCategory(name); c != "" {
			names, texts = append(names, c), append(texts, text)
		}
	}
	if _, err := e.pool.Exec(ctx, describeSQL, feedID, names, texts); err != nil {
		return fmt.Errorf("describe categories: %w", err)
	}
	e.wrote(feedID)
	return nil
}
