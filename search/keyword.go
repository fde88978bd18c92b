package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// keywordSQL ranks the entries matching a text query, in one statement over
// every queried feed, so scores are comparable across feeds.
//
// Feeds may use different text-search configurations: q builds the queries
// once per configuration ($3, the feeds' distinct languages) and each entry is
// matched by the query of its own language, through the GIN index on
// search_vector (a nested loop over the few languages, a bitmap scan each).
//
// all_terms is the websearch_to_tsquery of the text (quotes, OR, -term
// honoured). When the text uses none of those operators ($2), the query ranked
// is the OR of the text's lexemes (plainto_tsquery with & turned into |), so a
// natural-language question also finds entries matching only some of its
// words; ts_rank sums the weight of each matched word, so entries matching
// more words rank higher. Stop-word-only text gives empty tsqueries, which
// match nothing.
//
// The row bound: ranking costs a heap fetch and a ts_rank call per row, and an
// ORed question of common words can match most of a feed. Rows are taken in
// tiers, each capped at $5 rows (Options.KeywordRowBound) taken in whatever
// order the bitmap scan yields them, before any ranking:
//  1. rows matching every term;
//  2. (ORed questions) rows matching one of the query's uncommon terms: those
//     not among the column's most common lexemes with a frequency above $12
//     (Options.CommonTermFraction), read from the planner statistics in
//     pg_stats, a catalog row kept by ANALYZE: a cheap stand-in for IDF;
//  3. rows matching only common terms, read only when tiers 1 and 2 hold
//     fewer than the $8 rows asked for (so the large bitmap of a common word
//     is built only when nothing better exists).
//
// At most 3 × $5 rows are ranked, whatever the feed size. Among more than $5
// rows of one tier, those ranked are arbitrary. Filters apply before the
// bound, so it never hides a row that passes them. Without statistics every
// term counts as uncommon.
const keywordSQL = `
WITH common AS MATERIALIZED (
    SELECT c.lexeme
    FROM pg_stats s,
         unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS c (lexeme, freq)
    WHERE s.schemaname = current_schema() AND s.tablename = 'entries'
      AND s.attname = 'search_vector' AND c.lexeme IS NOT NULL AND c.freq > $12
),
q AS MATERIALIZED (
    SELECT lang, t.all_terms, t.query, u.uncommon
    FROM unnest($3::text[]) AS lang,
    LATERAL (SELECT websearch_to_tsquery(lang::regconfig, $1) AS all_terms,
                    CASE WHEN $2 THEN replace(plainto_tsquery(lang::regconfig, $1)::text, ' & ', ' | ')::tsquery
                         ELSE websearch_to_tsquery(lang::regconfig, $1) END AS query) t,
    LATERAL (SELECT string_agg('''' || replace(replace(x, '\', '\\'), '''', '''''') || '''', ' | ')::tsquery AS uncommon
             FROM unnest(tsvector_to_array(to_tsvector(lang::regconfig, $1))) AS x
             WHERE $2 AND x NOT IN (SELECT lexeme FROM common)) u
),
matched AS NOT MATERIALIZED (
    SELECT e.feed_id, e.id, e.search_vector, q.query, q.all_terms, q.uncommon
    FROM q JOIN entries e ON e.language = q.lang
    WHERE e.feed_id = ANY($4)
      AND ($9::text[] IS NULL OR e.category = ANY($9))
      AND ($10::text[] IS NULL OR e.category = ANY($10))
      AND e.confidence >= $11::real
),
tiers12 AS MATERIALIZED (
    (SELECT feed_id, id, ts_rank($6::float4[], search_vector, query, $7) AS score
     FROM matched WHERE search_vector @@ all_terms LIMIT $5)
    UNION ALL
    (SELECT feed_id, id, ts_rank($6::float4[], search_vector, query, $7)
     FROM matched WHERE $2 AND search_vector @@ uncommon
                      AND NOT search_vector @@ all_terms LIMIT $5)
)
SELECT feed_id, id, score FROM (
    SELECT * FROM tiers12
    UNION ALL
    (SELECT feed_id, id, ts_rank($6::float4[], search_vector, query, $7)
     FROM matched
     WHERE $2 AND (SELECT count(*) FROM tiers12) < $8
       AND search_vector @@ query AND NOT search_vector @@ all_terms
       AND (uncommon IS NULL OR NOT search_vector @@ uncommon)
     LIMIT $5)
) c
ORDER BY score DESC, id
LIMIT $8`

// keywordLeg returns the best n keyword candidates for q, best first.
func (e *Engine) keywordLeg(ctx context.Context, q Query, n int) ([]candidate, error) {
	f := newFilter(q)
	rows, err := e.pool.Query(ctx, keywordSQL, q.Text, !hasOperators(q.Text), languages(q.Feeds),
		f.feeds, e.opts.KeywordRowBound, keywordWeights(), keywordNormalization, n,
		f.categories, f.allowed, f.confMin, e.opts.CommonTermFraction)
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	return scanCandidates(rows, "keyword search")
}

// keywordSearch answers a ModeKeyword query.
func (e *Engine) keywordSearch(ctx context.Context, q Query) (Result, error) {
	cands, err := e.keywordLeg(ctx, q, q.Offset+q.Limit+1) // one more: HasMore
	if err != nil {
		return Result{}, err
	}
	return e.singleLeg(ctx, q, cands, func(h *Hit, l *LegScore) { h.Keyword = l })
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

// hasOperators reports whether text uses websearch_to_tsquery syntax: a quote,
// the word "or" (any case) or a word starting with "-". Such text is taken
// literally; other text is a question whose words are ORed.
func hasOperators(text string) bool {
	if strings.ContainsRune(text, '"') {
		return true
	}
	for _, w := range strings.FieldsFunc(text, unicode.IsSpace) {
		if strings.EqualFold(w, "or") || (len(w) > 1 && w[0] == '-') {
			return true
		}
	}
	return false
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
