package search

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"
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

// The semantic leg's SQL comes in two forms. Without entry filters
// (categories, allowed categories, confidence_min > 0) it reads passages alone:
// a passage exists only with its entry (same transaction, ON DELETE CASCADE),
// so no join is needed to know the entry is live; measured at 100,000
// entries, the join to entries cost 8-9 ms of a 600-passage scan. With
// filters, each passage is joined to its entry and the filters apply inside
// the scan. Only vectors of the active model ($3) are compared; $1 is the
// query vector, $2 the feeds.
const (
	semanticPassages = `
    FROM passages p
    WHERE p.feed_id = ANY($2) AND p.model = $3`
	semanticFiltered = `
    FROM passages p JOIN entries e ON e.feed_id = p.feed_id AND e.id = p.entry_id
    WHERE p.feed_id = ANY($2) AND e.feed_id = ANY($2) AND p.model = $3
      AND ($4::text[] IS NULL OR e.category = ANY($4))
      AND ($5::text[] IS NULL OR e.category = ANY($5))
      AND e.confidence >= $6::real`
)

// semanticIndexSQL walks the HNSW index of passages with the filters inside
// the scan (from is semanticPassages or semanticFiltered; m and n are the
// placeholders of the passages to read and the entries to return). Run with
// hnsw.iterative_scan = relaxed_order, the scan keeps going until m passages
// pass the filters (or hnsw.max_scan_tuples is reached), and rows may come
// slightly out of order: the materialised CTE keeps the index scan intact. An
// entry scores as its best passage (max cosine); the outer query keeps that one
// per entry, in exact distance order, and reports how many passages the scan
// returned (fewer than m: the scan is exhausted).
func semanticIndexSQL(from, m, n string) string {
	return `
WITH nn AS MATERIALIZED (
    SELECT p.feed_id, p.entry_id, p.ordinal, p.embedding <=> $1 AS distance` + from + `
    ORDER BY p.embedding <=> $1
    LIMIT ` + m + `
)
SELECT feed_id, entry_id, ordinal, 1 - distance, (SELECT count(*) FROM nn)
FROM (SELECT DISTINCT ON (entry_id) feed_id, entry_id, ordinal, distance
      FROM nn ORDER BY entry_id, distance, ordinal) best
ORDER BY distance, entry_id
LIMIT ` + n
}

// semanticExactSQL computes every passage distance in the filtered set and
// keeps each entry's best; ordering by entry first keeps the planner off the
// HNSW index, so the rows come from the b-tree indexes on feed_id.
func semanticExactSQL(from, n string) string {
	return `
SELECT feed_id, entry_id, ordinal, 1 - distance, 0::bigint
FROM (SELECT DISTINCT ON (p.entry_id) p.feed_id, p.entry_id, p.ordinal,
             p.embedding <=> $1 AS distance` + from + `
      ORDER BY p.entry_id, distance, p.ordinal) best
ORDER BY distance, entry_id
LIMIT ` + n
}

// filtersEntries reports whether f restricts entries beyond their feed.
func (f filter) filtersEntries() bool {
	return f.categories != nil || f.allowed != nil || f.confMin > 0
}

// The four forms, built once.
var (
	semanticIndexPlain    = semanticIndexSQL(semanticPassages, "$4", "$5")
	semanticIndexFiltered = semanticIndexSQL(semanticFiltered, "$7", "$8")
	semanticExactPlain    = semanticExactSQL(semanticPassages, "$4")
	semanticExactFiltered = semanticExactSQL(semanticFiltered, "$7")
)

// scanSettings applies the HNSW knobs to the current transaction only. SET
// LOCAL rather than set_config(): Citus passes SET LOCAL on to the shards
// that run the scan. SET takes no parameters; the values are integers kapi
// formats itself.
func scanSettings(efSearch, maxScanTuples int) string {
	return fmt.Sprintf("SET LOCAL hnsw.iterative_scan = relaxed_order; "+
		"SET LOCAL hnsw.ef_search = %d; SET LOCAL hnsw.max_scan_tuples = %d", efSearch, maxScanTuples)
}

// embedQuery embeds text for comparison with the stored, padded vectors.
// Errors: wrapping embed.ErrUnavailable when the embedder cannot answer.
func (e *Engine) embedQuery(ctx context.Context, text string) (pgvector.HalfVector, error) {
	defer e.hooks.timeLeg("embed_query", time.Now())
	v, err := e.embedder.EmbedQuery(ctx, text)
	if err != nil {
		return pgvector.HalfVector{}, fmt.Errorf("embed query: %w", err)
	}
	if len(v) > embed.StorageDims {
		return pgvector.HalfVector{}, fmt.Errorf("embed query: %d dimensions, at most %d stored", len(v), embed.StorageDims)
	}
	return pgvector.NewHalfVector(embed.Pad(v)), nil
}

// semanticLeg returns the n entries nearest to vec that pass q's filters,
// nearest first. An entry's score is the cosine similarity of its best
// passage, mixed with the mean over its passages by Options.PassageMeanWeight.
func (e *Engine) semanticLeg(ctx context.Context, q Query, vec pgvector.HalfVector, n int) ([]candidate, error) {
	defer e.hooks.timeLeg("semantic", time.Now())
	if e.opts.PassageMeanWeight <= 0 {
		return e.bestPassageLeg(ctx, q, vec, n)
	}
	cands, err := e.bestPassageLeg(ctx, q, vec, 2*n)
	if err != nil {
		return nil, err
	}
	return e.mixMean(ctx, vec, cands, n)
}

// passageMeanSQL reads the mean cosine of the unit query vector $1 with the
// passages of entries $3: its dot product with their mean (passage_means).
const passageMeanSQL = `
SELECT entry_id, -(mean <#> $1)
FROM passage_means
WHERE feed_id = ANY($2) AND entry_id = ANY($3) AND model = $4`

// unit is v scaled to length 1 (v itself when it is zero).
func unit(v pgvector.HalfVector) pgvector.HalfVector {
	s := v.Slice()
	norm := euclidean(s)
	if norm == 0 {
		return v
	}
	out := make([]float32, len(s))
	for i, x := range s {
		out[i] = float32(float64(x) / norm)
	}
	return pgvector.NewHalfVector(out)
}

// euclidean is v's Euclidean length.
func euclidean(v []float32) float64 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	return math.Sqrt(sum)
}

// mixMean rescores cands (best passage first) by Options.PassageMeanWeight
// and returns the best n, ties by id.
func (e *Engine) mixMean(ctx context.Context, vec pgvector.HalfVector, cands []candidate, n int) ([]candidate, error) {
	if len(cands) == 0 {
		return cands, nil
	}
	feeds, ids := keysBy(cands, func(c candidate) (uuid.UUID, uuid.UUID) { return c.feedID, c.id })
	rows, err := e.pool.Query(ctx, passageMeanSQL, unit(vec), feeds, ids, e.embedder.Model().String())
	if err != nil {
		return nil, fmt.Errorf("semantic search: passage means: %w", err)
	}
	defer rows.Close()
	mean := make(map[uuid.UUID]float64, len(cands))
	for rows.Next() {
		var id uuid.UUID
		var m float64
		if err := rows.Scan(&id, &m); err != nil {
			return nil, fmt.Errorf("semantic search: passage means: %w", err)
		}
		mean[id] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("semantic search: passage means: %w", err)
	}
	w := e.opts.PassageMeanWeight
	for i := range cands {
		cands[i].score = (1-w)*cands[i].score + w*mean[cands[i].id]
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return bytes.Compare(a.id[:], b.id[:])
	})
	return cands[:min(n, len(cands))], nil
}

// bestPassageLeg returns the n entries whose best passage is nearest to vec
// among those passing q's filters, nearest first, each with that passage's
// cosine similarity.
func (e *Engine) bestPassageLeg(ctx context.Context, q Query, vec pgvector.HalfVector, n int) ([]candidate, error) {
	f := newFilter(q)
	var filtered int64
	if err := e.pool.QueryRow(ctx, filteredCountSQL, f.feeds, f.categories, f.allowed).Scan(&filtered); err != nil {
		return nil, fmt.Errorf("semantic search: count filtered entries: %w", err)
	}
	args := []any{vec, f.feeds, e.embedder.Model().String()}
	indexSQL, exactSQL := semanticIndexPlain, semanticExactPlain
	if f.filtersEntries() {
		args = append(args, f.categories, f.allowed, f.confMin)
		indexSQL, exactSQL = semanticIndexFiltered, semanticExactFiltered
	}
	if filtered <= int64(e.opts.ExactScanMax) {
		rows, err := e.pool.Query(ctx, exactSQL, append(args, n)...)
		if err != nil {
			return nil, fmt.Errorf("semantic search: %w", err)
		}
		out, _, err := scanPassageCandidates(rows)
		return out, err
	}
	// Read n × fanout passages; when they hold fewer than n entries and the
	// scan was not exhausted, read 4× more.
	for m := n * max(1, e.opts.PassageFanout); ; m *= 4 {
		out, read, err := e.semanticIndexScan(ctx, indexSQL, args, n, m)
		if err != nil || len(out) >= n || read < int64(m) || m >= e.opts.MaxScanTuples {
			return out, err
		}
	}
}

// semanticIndexScan runs sql (a semanticIndexSQL) reading m passages for n entries;
// it returns the entries and how many passages the scan returned.
func (e *Engine) semanticIndexScan(ctx context.Context, sql string, args []any, n, m int) ([]candidate, int64, error) {
	var out []candidate
	var read int64
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, scanSettings(e.opts.EFSearch, e.opts.MaxScanTuples)); err != nil {
			return fmt.Errorf("set scan options: %w", err)
		}
		rows, err := tx.Query(ctx, sql, append(args, m, n)...)
		if err != nil {
			return err
		}
		out, read, err = scanPassageCandidates(rows)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("semantic search: %w", err)
	}
	return out, read, nil
}

// scanPassageCandidates reads (feed_id, entry_id, ordinal, score, passages
// read) rows.
func scanPassageCandidates(rows pgx.Rows) ([]candidate, int64, error) {
	defer rows.Close()
	var out []candidate
	var read int64
	for rows.Next() {
		var c candidate
		var ord int32
		if err := rows.Scan(&c.feedID, &c.id, &ord, &c.score, &read); err != nil {
			return nil, 0, fmt.Errorf("semantic search: %w", err)
		}
		c.passage = int(ord)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("semantic search: %w", err)
	}
	return out, read, nil
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
	res, err := e.singleLeg(ctx, q, cands, func(h *Hit, l *LegScore) { h.Semantic = l })
	setSemPassages(res.Hits, cands)
	return res, err
}

// setSemPassages records on each hit the passage that scored it in the
// semantic candidates, for its highlight.
func setSemPassages(hits []Hit, semantic []candidate) {
	if len(hits) == 0 {
		return
	}
	byID := make(map[uuid.UUID]int, len(semantic))
	for _, c := range semantic {
		byID[c.id] = c.passage
	}
	for i := range hits {
		hits[i].semPassage = byID[hits[i].ID]
	}
}
