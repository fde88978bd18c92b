package search

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The keyword leg is Okapi BM25 over the lexemes of the stored tsvector, with
// BM25F-style field weights (title above tags above content; ranking.go),
// IDF and average length taken from the statistics of the feeds searched
// (their union for fan-out, so scores compare across feeds). Statistics and
// postings are kept exact in the transaction of every write: Ingest adds new
// entry versions (keywordindex.go), the triggers of 003_keyword.sql take old
// ones out (006_keyword_fragments.sql).
//
// Why it is exact: the leg scores every posting of every query lexeme in the
// searched feeds (rows of at most 256 postings read by primary key, or the
// same lists from the engine's cache, checked against the database on every
// search: postcache.go) and sums every entry's score in Go, so each score is
// the textbook formula and every entry matching a query lexeme is ranked;
// none is cut by a bound. Dead postings (of rewritten or deleted entries) are
// scored too, then dropped when the best doc_nos are mapped back to live
// entries, where the filters apply. Ties are broken by doc_no (older entry
// versions first), so the order is total. The cost is linear in the postings
// of the query's lexemes (a few ns each in Go once cached, plus 16 bytes each
// read from the heap when not); see bench/README.md for the measurements and
// the designs compared.
//
// A deployment on PostgreSQL 17+ could swap in a BM25 extension
// (pg_textsearch, VectorChord-bm25); kapi targets PostgreSQL 15 with pgvector
// only.

// keywordTermsSQL gives, per queried language, the lexemes to rank
// (parsedQuery.ranked), the restriction as tsquery text (parsedQuery.filter;
// NULL when none, or when it holds only stop words), and the tsquery text of
// each alternative of its groups (parsedQuery.groups, flattened in $4).
const keywordTermsSQL = `
SELECT lang, tsvector_to_array(to_tsvector(lang::regconfig, $1)),
       CASE WHEN $2 = '' THEN NULL ELSE nullif(websearch_to_tsquery(lang::regconfig, $2)::text, '') END,
       ARRAY(SELECT websearch_to_tsquery(lang::regconfig, a)::text
             FROM unnest($4::text[]) WITH ORDINALITY AS u (a, i) ORDER BY i)
FROM unnest($3::text[]) AS lang`

const keywordStatsSQL = `
SELECT feed_id, doc_count, total_length, generation FROM keyword_feed_stats WHERE feed_id = ANY($1)`

// keywordDFSQL and keywordPostingsSQL take the (feed, lexeme) pairs as
// arrays: each feed is asked for the lexemes of its own language. The feeds
// searched, each once, are also named directly (the last parameter), so that
// tables distributed by feed are read from the feeds' shards only. (The pairs'
// own feed array there, one element per pair, made the keyword leg a fifth
// slower: BenchmarkSearch/keyword at 100,000 entries, p50 2.9 → 3.7-4.0 ms.) keywordDFSQL
// also gives how many postings each list holds (postcache.go);
// keywordPostingsSQL reads each list's rows from the one holding posting
// number $3 on (006_keyword_fragments.sql).
const keywordDFSQL = `
SELECT t.feed_id, t.lexeme, t.df, t.postings
FROM unnest($1::uuid[], $2::text[]) AS x (feed_id, lexeme)
JOIN keyword_terms t ON t.feed_id = x.feed_id AND t.lexeme = x.lexeme
WHERE t.feed_id = ANY($3)`

const keywordPostingsSQL = `
SELECT p.feed_id, p.lexeme, p.first, p.docs, p.packed
FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS x (feed_id, lexeme, from_posting)
JOIN keyword_postings p ON p.feed_id = x.feed_id AND p.lexeme = x.lexeme
 AND p.first >= (SELECT coalesce(max(q.first), 0) FROM keyword_postings q
                 WHERE q.feed_id = x.feed_id AND q.lexeme = x.lexeme AND q.first <= x.from_posting)
WHERE p.feed_id = ANY($4)
ORDER BY p.feed_id, p.lexeme, p.first`

// keywordLiveSQL maps ranked doc_nos back to the live entries that pass the
// filters (a rewritten or deleted entry's doc_no finds no row).
const keywordLiveSQL = `
SELECT e.doc_no, e.feed_id, e.id
FROM entries e
LEFT JOIN unnest($5::text[], $6::text[]) AS f (lang, query) ON f.lang = e.language
WHERE e.feed_id = ANY($1) AND e.doc_no = ANY($2)
  AND ($3::text[] IS NULL OR e.category = ANY($3))
  AND ($4::text[] IS NULL OR e.category = ANY($4))
  AND e.confidence >= $7::real
  AND (f.query IS NULL OR e.search_vector @@ f.query::tsquery)`

// keywordQuery is a question prepared for the feeds searched.
type keywordQuery struct {
	langs, filters []*string   // per language; a nil filter restricts nothing
	pairFeeds      []uuid.UUID // the (feed, lexeme) pairs to read
	pairLexemes    []string    //
	feedLexemes    map[uuid.UUID][]string
	required       bool                   // some language's filter holds a phrase
	need           map[string]requirement // per language, what narrows the entries that can match (phrases.go)
}

// keywordLeg returns the best n keyword candidates for q, best first, and the
// IDF of each of the question's lexemes over the feeds searched (which weighs
// them when a highlight picks a passage).
func (e *Engine) keywordLeg(ctx context.Context, q Query, n int) ([]candidate, map[string]float64, error) {
	defer e.hooks.timeLeg("keyword", time.Now())
	kq, err := e.prepareKeyword(ctx, q)
	if err != nil || len(kq.pairLexemes) == 0 {
		return nil, map[string]float64{}, err
	}
	scores, stats, err := e.scoreBM25(ctx, q, kq)
	if err != nil {
		return nil, nil, err
	}
	cands, err := e.liveBest(ctx, q, kq, scores, n)
	return cands, kq.idfs(stats), err
}

// prepareKeyword parses q.Text and has Postgres turn it into the lexemes and
// restrictions of each feed's language.
func (e *Engine) prepareKeyword(ctx context.Context, q Query) (keywordQuery, error) {
	pq := parseQuery(q.Text)
	kq := keywordQuery{feedLexemes: map[uuid.UUID][]string{}, need: map[string]requirement{}}
	var sizes []int
	var alts []string
	for _, g := range pq.groups {
		sizes, alts = append(sizes, len(g)), append(alts, g...)
	}
	rows, err := e.pool.Query(ctx, keywordTermsSQL, pq.ranked, pq.filter, languages(q.Feeds), alts)
	if err != nil {
		return kq, fmt.Errorf("keyword search: parse: %w", err)
	}
	byLang := map[string][]string{}
	for rows.Next() {
		var lang string
		var lexemes, altQueries []string
		var filter *string
		if err := rows.Scan(&lang, &lexemes, &filter, &altQueries); err != nil {
			rows.Close()
			return kq, fmt.Errorf("keyword search: parse: %w", err)
		}
		byLang[lang] = lexemes
		kq.langs, kq.filters = append(kq.langs, &lang), append(kq.filters, filter)
		kq.required = kq.required || (pq.required && filter != nil)
		kq.need[lang] = nil // a language without a restriction checks nothing
		if filter != nil {
			kq.need[lang] = newRequirement(sizes, altQueries, lexemes)
		}
	}
	if err := rows.Err(); err != nil {
		return kq, fmt.Errorf("keyword search: parse: %w", err)
	}
	kq.addFeeds(q.Feeds, byLang)
	return kq, nil
}

// addFeeds names, for each of feeds, the lexemes of its language (byLang) as
// the lists to read.
func (kq *keywordQuery) addFeeds(feeds []Feed, byLang map[string][]string) {
	for _, f := range feeds {
		kq.feedLexemes[f.ID] = byLang[f.Language]
		for _, l := range byLang[f.Language] {
			kq.pairFeeds, kq.pairLexemes = append(kq.pairFeeds, f.ID), append(kq.pairLexemes, l)
		}
	}
}

// liveBest maps the best-scored doc_nos to live entries passing q's filters,
// in rounds of growing size, until n are found or the scores run out.
func (e *Engine) liveBest(ctx context.Context, q Query, kq keywordQuery, scores []docScore, n int) ([]candidate, error) {
	f := newFilter(q)
	out := make([]candidate, 0, n)
	for done, size := 0, 2*n+16; done < len(scores) && len(out) < n; size *= 8 {
		round := bestScores(scores, done+size)[done:]
		done += len(round)
		docs := make([]int64, len(round))
		for i, s := range round {
			docs[i] = s.doc
		}
		live, err := e.liveEntries(ctx, f, kq, docs)
		if err != nil {
			return nil, err
		}
		for _, s := range round {
			if c, ok := live[s.doc]; ok && len(out) < n {
				c.score = s.score
				out = append(out, c)
			}
		}
	}
	return out, nil
}

func (e *Engine) liveEntries(ctx context.Context, f filter, kq keywordQuery, docs []int64) (map[int64]candidate, error) {
	rows, err := e.pool.Query(ctx, keywordLiveSQL, f.feeds, docs, f.categories, f.allowed,
		kq.langs, kq.filters, f.confMin)
	if err != nil {
		return nil, fmt.Errorf("keyword search: read entries: %w", err)
	}
	live := make(map[int64]candidate, len(docs))
	var doc int64
	var c candidate
	_, err = pgx.ForEachRow(rows, []any{&doc, &c.feedID, &c.id}, func() error {
		live[doc] = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("keyword search: read entries: %w", err)
	}
	return live, nil
}

// keywordSearch answers a ModeKeyword query.
func (e *Engine) keywordSearch(ctx context.Context, q Query) (Result, error) {
	cands, idf, err := e.keywordLeg(ctx, q, q.Offset+q.Limit+1) // one more: HasMore
	if err != nil {
		return Result{}, err
	}
	res, err := e.singleLeg(ctx, q, cands, func(h *Hit, l *LegScore) { h.Keyword = l })
	res.idf = idf
	return res, err
}

// singleLeg answers a one-leg query from its candidates (fetched one past the
// page, for HasMore): the page's hits with their entries, each carrying its leg
// score through setLeg.
func (e *Engine) singleLeg(ctx context.Context, q Query, cands []candidate, setLeg func(*Hit, *LegScore)) (Result, error) {
	hits := make([]Hit, 0, q.Limit)
	for i, c := range page(cands, q.Offset, q.Limit) {
		h := Hit{Entry: Entry{ID: c.id, FeedID: c.feedID}, RawScore: c.score}
		setLeg(&h, &LegScore{Rank: q.Offset + i + 1, Score: c.score})
		hits = append(hits, h)
	}
	hits, err := e.fillEntries(ctx, hits)
	return Result{Hits: hits, HasMore: len(cands) > q.Offset+q.Limit}, err
}

// languages lists the distinct text-search configurations of feeds.
func languages(feeds []Feed) []string {
	out := make([]string, 0, len(feeds))
	for _, f := range feeds {
		if !slices.Contains(out, f.Language) {
			out = append(out, f.Language)
		}
	}
	return out
}
