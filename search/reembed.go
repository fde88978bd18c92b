package search

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kapi-project/kapi/embed"
)

// StaleCount is how many entries of some feeds carry vectors of a model other
// than the active one (Model "" : no vector at all).
type StaleCount struct {
	Model string
	Count int64
}

const staleSQL = `
SELECT coalesce(embedding_model, ''), count(*)
FROM entries
WHERE feed_id = ANY($1) AND embedding_model IS DISTINCT FROM $2
GROUP BY 1 ORDER BY 2 DESC`

// Stale counts, per model, the entries of feeds whose vectors were not made by
// the active embedder: semantic search cannot see them until Reembed runs.
func (e *Engine) Stale(ctx context.Context, feeds []uuid.UUID) ([]StaleCount, error) {
	rows, err := e.pool.Query(ctx, staleSQL, feeds, e.embedder.Model().String())
	if err != nil {
		return nil, fmt.Errorf("count stale vectors: %w", err)
	}
	defer rows.Close()
	var out []StaleCount
	for rows.Next() {
		var s StaleCount
		if err := rows.Scan(&s.Model, &s.Count); err != nil {
			return nil, fmt.Errorf("count stale vectors: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

const staleBatchSQL = `
SELECT id, title, content FROM entries
WHERE feed_id = $1 AND embedding_model IS DISTINCT FROM $2
ORDER BY id LIMIT $3`

const setEmbeddingSQL = `
UPDATE entries SET embedding_model = $2 WHERE feed_id = $1 AND id = ANY($3)`

// Reembed recomputes, batch by batch, the passages (see passages.go) of feed's
// entries that the active embedder did not make, or that predate passages,
// calling progress after each batch with the number done so far. Each batch is
// committed on its own, entries and passages together, so an interrupted run
// loses at most one batch of work and the next run resumes where it stopped.
// Errors: embed.ErrUnavailable when the embedder cannot answer.
func (e *Engine) Reembed(ctx context.Context, feed Feed, batch int, progress func(done int)) (int, error) {
	model := e.embedder.Model().String()
	done := 0
	for {
		ids, docs, err := e.staleBatch(ctx, feed.ID, model, batch)
		if err != nil || len(ids) == 0 {
			return done, err
		}
		passages, err := e.embedPassages(ctx, docs, nil)
		if err != nil {
			return done, err
		}
		err = pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, setEmbeddingSQL, feed.ID, model, ids); err != nil {
				return fmt.Errorf("store vectors: %w", err)
			}
			return writePassages(ctx, tx, feed.ID, model, ids, passages, ids)
		})
		if err != nil {
			return done, err
		}
		done += len(ids)
		progress(done)
	}
}

func (e *Engine) staleBatch(ctx context.Context, feedID uuid.UUID, model string, n int) ([]uuid.UUID, []embed.Document, error) {
	rows, err := e.pool.Query(ctx, staleBatchSQL, feedID, model, n)
	if err != nil {
		return nil, nil, fmt.Errorf("read stale entries: %w", err)
	}
	defer rows.Close()
	var ids []uuid.UUID
	var docs []embed.Document
	for rows.Next() {
		var id uuid.UUID
		var d embed.Document
		if err := rows.Scan(&id, &d.Title, &d.Text); err != nil {
			return nil, nil, fmt.Errorf("read stale entries: %w", err)
		}
		ids, docs = append(ids, id), append(docs, d)
	}
	return ids, docs, rows.Err()
}
