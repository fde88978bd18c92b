package search

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// This file serves benchmarks and tests: query sets that stress the keyword
// leg, and a second BM25, computed from the entries alone, to check it.

const commonLexemesSQL = `
SELECT t.lexeme
FROM keyword_terms t JOIN keyword_feed_stats s ON s.feed_id = t.feed_id
WHERE t.feed_id = $1 AND t.df >= $2::float8 * s.doc_count AND t.df <= $3::float8 * s.doc_count
  AND tsvector_to_array(to_tsvector($4::regconfig, t.lexeme)) = ARRAY[t.lexeme]
ORDER BY t.lexeme`

// CommonWordQueries returns n questions of words lexemes each, drawn (by seed)
// from the lexemes found in between minDF and maxDF of feed's entries (as
// fractions) that stem to themselves: the worst case of an exact keyword
// leg, whose work grows with the postings of a question's lexemes.
// Errors: the database's; too few such lexemes.
func (e *Engine) CommonWordQueries(ctx context.Context, feed Feed, n, words int, minDF, maxDF float64, seed uint64) ([]string, error) {
	rows, err := e.pool.Query(ctx, commonLexemesSQL, feed.ID, minDF, maxDF, feed.Language)
	if err != nil {
		return nil, fmt.Errorf("common lexemes: %w", err)
	}
	lexemes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("common lexemes: %w", err)
	}
	if len(lexemes) < words {
		return nil, fmt.Errorf("common lexemes: %d found between df %.2f and %.2f, want at least %d", len(lexemes), minDF, maxDF, words)
	}
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([]string, n)
	for i := range out {
		pick := r.Perm(len(lexemes))[:words]
		q := ""
		for j, k := range pick {
			if j > 0 {
				q += " "
			}
			q += lexemes[k]
		}
		out[i] = q
	}
	return out, nil
}

// referenceStatsSQL counts N and the average length from the entries.
const referenceStatsSQL = `
SELECT count(*)::float8, coalesce(avg(l.n), 0)::float8
FROM entries e
CROSS JOIN LATERAL (SELECT coalesce(sum(cardinality(u.positions)), 0) AS n FROM unnest(e.search_vector) u) l
WHERE e.feed_id = ANY($1)`

// referenceBM25SQL scores every entry matching a lexeme of $2 by BM25 from the
// entries alone (df counted over those entries: an entry containing a
// lexeme matches), with N and the average length given ($3, $4).
const referenceBM25SQL = `
WITH q AS (SELECT tsvector_to_array(to_tsvector('english', $2)) AS lexemes),
docs AS (
    SELECT e.doc_no, e.search_vector,
           (SELECT coalesce(sum(cardinality(u.positions)), 0) FROM unnest(e.search_vector) u)::float8 AS len
    FROM entries e, q
    WHERE e.feed_id = ANY($1)
      AND e.search_vector @@ array_to_string(ARRAY(SELECT quote_literal(x) FROM unnest(q.lexemes) x), ' | ')::tsquery
), post AS (
    SELECT d.doc_no, d.len, u.lexeme,
           $5::float8 * cardinality(array_positions(u.weights, 'A'))
         + $6::float8 * cardinality(array_positions(u.weights, 'B'))
         + $7::float8 * (cardinality(u.weights) - cardinality(array_positions(u.weights, 'A'))
                         - cardinality(array_positions(u.weights, 'B'))) AS tf
    FROM docs d, unnest(d.search_vector) u, q
    WHERE u.lexeme = ANY(q.lexemes)
), df AS (SELECT lexeme, count(*)::float8 AS df FROM post GROUP BY lexeme)
SELECT p.doc_no, sum(ln(1 + ($3 - df.df + 0.5) / (df.df + 0.5))
                     * p.tf * ($8::float8 + 1) / (p.tf + $8::float8 * (1 - $9::float8 + $9::float8 * p.len / $4)))
FROM post p JOIN df USING (lexeme)
GROUP BY p.doc_no
ORDER BY 2 DESC, p.doc_no
LIMIT $10`

// ReferenceStats are BM25's N and average length for ReferenceKeyword,
// counted from the entries (one scan of the feeds).
type ReferenceStats struct{ Docs, AvgLen float64 }

// ReferenceStats counts them for feeds. Errors: the database's.
func (e *Engine) ReferenceStats(ctx context.Context, feeds []Feed) (ReferenceStats, error) {
	var s ReferenceStats
	err := e.pool.QueryRow(ctx, referenceStatsSQL, feedIDs(feeds)).Scan(&s.Docs, &s.AvgLen)
	return s, err
}

// ReferenceKeyword is a second, slow BM25 of a plain english question over
// feeds, computed in SQL from the entries and s alone (not from the
// statistics and postings the keyword leg reads), with e's knobs. It returns
// the best n as (doc_no, score), best first, ties by doc_no, for comparing
// with the keyword leg. Errors: the database's.
func (e *Engine) ReferenceKeyword(ctx context.Context, feeds []Feed, s ReferenceStats, text string, n int) ([]int64, []float64, error) {
	o := e.opts
	rows, err := e.pool.Query(ctx, referenceBM25SQL, feedIDs(feeds), text, s.Docs, s.AvgLen,
		o.TitleWeight, o.TagsWeight, o.ContentWeight, o.K1, o.B, n)
	if err != nil {
		return nil, nil, fmt.Errorf("reference BM25: %w", err)
	}
	var docs []int64
	var scores []float64
	var doc int64
	var score float64
	_, err = pgx.ForEachRow(rows, []any{&doc, &score}, func() error {
		docs, scores = append(docs, doc), append(scores, score)
		return nil
	})
	return docs, scores, err
}

// KeywordTop is the keyword leg's best n for a plain question as (doc_no,
// score), the form ReferenceKeyword returns. Errors: Search's.
func (e *Engine) KeywordTop(ctx context.Context, q Query, n int) ([]int64, []float64, error) {
	kq, err := e.prepareKeyword(ctx, q)
	if err != nil || len(kq.pairLexemes) == 0 {
		return nil, nil, err
	}
	scores, _, err := e.scoreBM25(ctx, q, kq)
	if err != nil {
		return nil, nil, err
	}
	var docs []int64
	var out []float64
	for _, s := range bestScores(scores, n) {
		docs, out = append(docs, s.doc), append(out, s.score)
	}
	return docs, out, nil
}

// RebuildKeyword recomputes feed's keyword statistics and postings from its
// entries, in one transaction (keyword_rebuild in 003_keyword.sql): it drops
// the dead postings that rewritten and deleted entries leave behind, and
// returns how many there were. Ingestion into the feed waits meanwhile.
// Errors: the database's.
func (e *Engine) RebuildKeyword(ctx context.Context, feed uuid.UUID) (dead int64, err error) {
	err = pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT dead_postings FROM keyword_feed_stats WHERE feed_id = $1), 0)`,
			feed).Scan(&dead); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT keyword_rebuild($1)`, feed)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rebuild keyword index: %w", err)
	}
	return dead, nil
}
