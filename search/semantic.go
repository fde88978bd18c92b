package search

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/kapi-project/kapi/embed"
)

// filteredCountSQL counts the entries of the queried feeds in the allowed
// categories from the per-(feed, category) counters the entries triggers keep,
// so it reads a few rows, never entries. confidence_min and the embedding
// model are not counted: the result is an upper bound of the filtered set.
const filteredCountSQL = `
SELECT coalesce(sum(entry_count), 0)
FROM feed_categories
WHERE feed_id = ANY($1)
  AND ($2::text[] IS NULL OR category = ANY($2))
  AND ($3::text[] IS NULL OR category = ANY($3))`

// semanticWhere filters the nearest-neighbour scan; only vectors of the
// active model ($3) are compared.
const semanticWhere = `
    FROM entries e
    WHERE e.feed_id = ANY($2) AND e.embedding_model = $3
      AND ($4::text[] IS NULL OR e.category = ANY($4))
      AND ($5::text[] IS NULL OR e.category = ANY($5))
      AND e.confidence >= $6::real`

// semanticIndexSQL walks the HNSW index with the filters inside the scan. Run
// with hnsw.iterative_scan = relaxed_order, the scan keeps going until $7 rows
// pass the filters (or hnsw.max_scan_tuples is reached), and rows may come
// slightly out of order: the materialised CTE keeps the index scan intact and
// the outer query puts the rows back in exact distance order.
const semanticIndexSQL = `
WITH nn AS MATERIALIZED (
    SELECT e.feed_id, e.id, e.embedding <=> $1 AS distance` + semanticWhere + `
    ORDER BY e.embedding <=> $1
    LIMIT $7
)
SELECT feed_id, id, 1 - distance FROM nn ORDER BY distance, id`

// semanticExactSQL computes every distance in the filtered set: "+ 0" keeps
// the planner from ordering by the HNSW index, so the rows come from the
// b-tree indexes on feed_id and are sorted exactly.
const semanticExactSQL = `
SELECT feed_id, id, 1 - distance FROM (
    SELECT e.feed_id, e.id, e.embedding <=> $1 AS distance` + semanticWhere + `
) d
ORDER BY distance + 0, id
LIMIT $7`

// scanSettingsSQL applies the HNSW knobs to the current transaction only.
const scanSettingsSQL = `
SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
       set_config('hnsw.ef_search', $1, true),
       set_config('hnsw.max_scan_tuples', $2, true)`

// embedQuery embeds text for comparison with the stored, padded vectors.
// Errors: wrapping embed.ErrUnavailable when the embedder cannot answer.
func (e *Engine) embedQuery(ctx context.Context, text string) (pgvector.Vector, error) {
	v, err := e.embedder.EmbedQuery(ctx, text)
	if err != nil {
		return pgvector.Vector{}, fmt.Errorf("embed query: %w", err)
	}
	if len(v) > embed.StorageDims {
		return pgvector.Vector{}, fmt.Errorf("embed query: %d dimensions, at most %d stored", len(v), embed.StorageDims)
	}
	return pgvector.NewVector(embed.Pad(v)), nil
}

// semanticLeg returns the n entries nearest to vec that pass q's filters,
// nearest first, with their cosine similarity.
func (e *Engine) semanticLeg(ctx context.Context, q Query, vec pgvector.Vector, n int) ([]candidate, error) {
	f := newFilter(q)
	var filtered int64
	if err := e.pool.QueryRow(ctx, filteredCountSQL, f.feeds, f.categories, f.allowed).Scan(&filtered); err != nil {
		return nil, fmt.Errorf("semantic search: count filtered entries: %w", err)
	}
	args := []any{vec, f.feeds, e.embedder.Model().String(), f.categories, f.allowed, f.confMin, n}
	if filtered <= int64(e.opts.ExactScanMax) {
		rows, err := e.pool.Query(ctx, semanticExactSQL, args...)
		if err != nil {
			return nil, fmt.Errorf("semantic search: %w", err)
		}
		return scanCandidates(rows, "semantic search")
	}
	var out []candidate
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		ef := min(max(e.opts.EFSearch, n), 1000)
		if _, err := tx.Exec(ctx, scanSettingsSQL, fmt.Sprint(ef), fmt.Sprint(e.opts.MaxScanTuples)); err != nil {
			return fmt.Errorf("set scan options: %w", err)
		}
		rows, err := tx.Query(ctx, semanticIndexSQL, args...)
		if err != nil {
			return err
		}
		out, err = scanCandidates(rows, "scan index")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("semantic search: %w", err)
	}
	return out, nil
}

// semanticSearch answers a ModeSemantic query.
// Errors: wrapping embed.ErrUnavailable when the embedder cannot answer.
func (e *Engine) semanticSearch(ctx context.Context, q Query) (Result, error) {
	vec, err := e.embedQuery(ctx, q.Text)
	if err != nil {
		return Result{}, err
	}
	cands, err := e.semanticLeg(ctx, q, vec, q.Offset+q.Limit+1) // one more: HasMore
	if err != nil {
		return Result{}, err
	}
	return e.singleLeg(ctx, q, cands, func(h *Hit, l *LegScore) { h.Semantic = l })
}
