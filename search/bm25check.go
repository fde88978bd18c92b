package search

import (
	"context"
	"fmt"
	"math"
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

// referenceLexemesSQL gives the lexemes BM25 ranks for each question ($2).
const referenceLexemesSQL = `
SELECT tsvector_to_array(to_tsvector($1::regconfig, q)) FROM unnest($2::text[]) WITH ORDINALITY AS x (q, i) ORDER BY i`

// referencePostingsSQL reads, in one scan of the entries, every occurrence of
// the lexemes $2 with its counts per field (tsvector labels A title, B tags,
// the rest content) and the entry's length.
const referencePostingsSQL = `
SELECT e.doc_no, u.lexeme, l.n,
       cardinality(array_positions(u.weights, 'A')), cardinality(array_positions(u.weights, 'B')),
       cardinality(u.weights)
FROM entries e
CROSS JOIN LATERAL (SELECT coalesce(sum(cardinality(u.positions)), 0)::float8 AS n FROM unnest(e.search_vector) u) l
CROSS JOIN LATERAL unnest(e.search_vector) u
WHERE e.feed_id = ANY($1) AND u.lexeme = ANY($2)`

// Reference is a second BM25 over a set of questions, computed from the
// entries alone (their tsvectors, one scan), not from the statistics and
// postings the keyword leg reads, with the engine's knobs: for checking that
// leg. It applies no phrase or negation restriction.
type Reference struct {
	opts      Options
	docs, avg float64
	questions map[string][]string           // question → its ranked lexemes
	postings  map[string][]referencePosting // lexeme → its occurrences
}

type referencePosting struct {
	doc      int64
	tf, size float64 // field-weighted term frequency; entry length
}

// NewReference reads what Reference needs to rank questions over feeds, which
// must share one text-search configuration. Errors: the database's; feeds of
// several languages.
func (e *Engine) NewReference(ctx context.Context, feeds []Feed, questions []string) (*Reference, error) {
	if langs := languages(feeds); len(langs) != 1 {
		return nil, fmt.Errorf("reference BM25: feeds of %d languages, want one", len(langs))
	}
	r := &Reference{opts: e.opts, questions: map[string][]string{}, postings: map[string][]referencePosting{}}
	ids := feedIDs(feeds)
	if err := e.pool.QueryRow(ctx, referenceStatsSQL, ids).Scan(&r.docs, &r.avg); err != nil {
		return nil, fmt.Errorf("reference BM25: %w", err)
	}
	ranked := make([]string, len(questions))
	for i, q := range questions {
		ranked[i] = parseQuery(q).ranked
	}
	rows, err := e.pool.Query(ctx, referenceLexemesSQL, feeds[0].Language, ranked)
	if err != nil {
		return nil, fmt.Errorf("reference BM25: %w", err)
	}
	lexemes, err := pgx.CollectRows(rows, pgx.RowTo[[]string])
	if err != nil {
		return nil, fmt.Errorf("reference BM25: %w", err)
	}
	var union []string
	for i, q := range questions {
		r.questions[q] = lexemes[i]
		union = append(union, lexemes[i]...)
	}
	return r, r.readPostings(ctx, e, ids, union)
}

func (r *Reference) readPostings(ctx context.Context, e *Engine, feeds []uuid.UUID, lexemes []string) error {
	rows, err := e.pool.Query(ctx, referencePostingsSQL, feeds, lexemes)
	if err != nil {
		return fmt.Errorf("reference BM25: %w", err)
	}
	var p referencePosting
	var lexeme string
	var a, b, all float64
	o := r.opts
	_, err = pgx.ForEachRow(rows, []any{&p.doc, &lexeme, &p.size, &a, &b, &all}, func() error {
		p.tf = o.TitleWeight*a + o.TagsWeight*b + o.ContentWeight*(all-a-b)
		r.postings[lexeme] = append(r.postings[lexeme], p)
		return nil
	})
	if err != nil {
		return fmt.Errorf("reference BM25: %w", err)
	}
	return nil
}

// Top is the best n entry versions for question (one given to NewReference)
// as (doc_no, score), best first, ties by doc_no: the textbook formula, term
// by term, with df counted from the occurrences read.
func (r *Reference) Top(question string, n int) ([]int64, []float64) {
	o := r.opts
	sums := map[int64]float64{}
	seen := map[string]bool{}
	for _, l := range r.questions[question] {
		if seen[l] {
			continue
		}
		seen[l] = true
		ps := r.postings[l]
		df := float64(len(ps))
		idf := math.Log(1 + (r.docs-df+0.5)/(df+0.5))
		for _, p := range ps {
			sums[p.doc] += idf * p.tf * (o.K1 + 1) / (p.tf + o.K1*(1-o.B+o.B*p.size/r.avg))
		}
	}
	all := make([]docScore, 0, len(sums))
	for d, s := range sums {
		all = append(all, docScore{doc: d, score: s})
	}
	var docs []int64
	var scores []float64
	for _, s := range bestScores(all, n) {
		docs, scores = append(docs, s.doc), append(scores, s.score)
	}
	return docs, scores
}

// KeywordTop is the keyword leg's best n for a plain question as (doc_no,
// score), the form ReferenceKeyword returns. Errors: Search's.
func (e *Engine) KeywordTop(ctx context.Context, q Query, n int) ([]int64, []float64, error) {
	e = e.reading(ctx, feedIDs(q.Feeds))
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
