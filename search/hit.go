package search

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
)

// Legs rank ids only; the entries of the one page that is returned are read
// afterwards, so ranking never drags large contents through sorts.

const pageEntriesSQL = `
SELECT id, feed_id, external_id, title, content, category, tags, confidence,
       coalesce(source_url, ''), metadata, created_at, updated_at
FROM entries
WHERE feed_id = ANY($1) AND id = ANY($2)`

// fillEntries reads the entries of hits (whose Entry holds only FeedID and ID)
// and returns the hits in order, dropping any entry deleted since it was ranked.
func (e *Engine) fillEntries(ctx context.Context, hits []Hit) ([]Hit, error) {
	if len(hits) == 0 {
		return []Hit{}, nil
	}
	feeds, ids := keysOf(hits)
	rows, err := e.pool.Query(ctx, pageEntriesSQL, feeds, ids)
	if err != nil {
		return nil, fmt.Errorf("read hit entries: %w", err)
	}
	defer rows.Close()
	byID := make(map[uuid.UUID]Entry, len(hits))
	for rows.Next() {
		var v Entry
		if err := rows.Scan(&v.ID, &v.FeedID, &v.ExternalID, &v.Title, &v.Content, &v.Category,
			&v.Tags, &v.Confidence, &v.SourceURL, &v.Metadata, &v.CreatedAt, &v.UpdatedAt); err != nil {
			return nil, fmt.Errorf("read hit entries: %w", err)
		}
		byID[v.ID] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read hit entries: %w", err)
	}
	out := make([]Hit, 0, len(hits))
	for _, h := range hits {
		if v, ok := byID[h.ID]; ok {
			h.Entry = v
			out = append(out, h)
		}
	}
	return out, nil
}

// keysOf lists the distinct feed ids and the entry ids of hits.
func keysOf(hits []Hit) (feeds, ids []uuid.UUID) {
	return keysBy(hits, func(h Hit) (uuid.UUID, uuid.UUID) { return h.FeedID, h.ID })
}

// keysBy lists the distinct feed ids and the entry ids of rows, read by key.
func keysBy[T any](rows []T, key func(T) (feed, id uuid.UUID)) (feeds, ids []uuid.UUID) {
	ids = make([]uuid.UUID, len(rows))
	for i, r := range rows {
		feed, id := key(r)
		ids[i] = id
		if !slices.Contains(feeds, feed) {
			feeds = append(feeds, feed)
		}
	}
	return feeds, ids
}

// page returns the part of a ranked list from offset on, at most limit long.
func page[T any](list []T, offset, limit int) []T {
	if offset >= len(list) {
		return nil
	}
	return list[offset:min(len(list), offset+limit)]
}
