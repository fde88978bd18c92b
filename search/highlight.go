package search

import (
	"context"
	"fmt"
	"github.com/jackc/pgx/v5"
	"html"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// Highlight is the passage of a hit that best answers the query, for
// explaining the hit: semantic, the passage that scored; keyword, the passage
// with the most and rarest matched query terms; hybrid, the one of the leg that
// ranked the hit higher. At most about maxHighlightChars of it.
type Highlight struct {
	// Text is HTML: the passage text escaped, each word matching a query
	// lexeme (stemmed in the entry's language) wrapped in <mark>…</mark>.
	Text string
	// Start and End locate the text in the entry's Content, in Unicode code
	// points (0-based, End exclusive).
	Start, End int
}

// maxHighlightChars bounds a highlight's text (before escaping and marks): a
// passage longer than this is cut to the stretch of this length holding the
// most marks. Unit: code points.
const maxHighlightChars = 300

// Sentinels ts_headline puts around matched words; content characters equal to
// them are blanked first, so every sentinel in its output is one of ours.
const (
	markOpen  = "\x01"
	markClose = "\x02"
)

// lexemeWeights returns each lexeme of q.Text (in the text-search
// configuration of each queried feed) with its weight for choosing a keyword
// highlight: its BM25 IDF over the queried feeds, so a passage matching rare
// terms beats one matching common ones.
func (e *Engine) lexemeWeights(ctx context.Context, q Query) (map[string]float64, error) {
	kq, err := e.prepareKeyword(ctx, q)
	if err != nil || len(kq.pairLexemes) == 0 {
		return map[string]float64{}, err
	}
	feeds := feedIDs(q.Feeds)
	batch := &pgx.Batch{}
	batch.Queue(keywordStatsSQL, feeds)
	batch.Queue(keywordDFSQL, kq.pairFeeds, kq.pairLexemes, feeds)
	br := e.pool.SendBatch(ctx, batch)
	defer br.Close()
	stats, err := readStats(br)
	if err != nil {
		return nil, fmt.Errorf("query lexemes: %w", err)
	}
	out := make(map[string]float64, len(kq.pairLexemes))
	for _, l := range kq.pairLexemes {
		out[l] = stats.idf(l)
	}
	return out, br.Close()
}

// headlinesSQL picks, for each of the page's entries ($2), its highlight
// passage and marks the query's terms in it. The pick: the passage the
// semantic leg scored ($8, $9: entry ids and ordinals, given only for hits the
// semantic leg ranked at least as high as the keyword leg), else the passage
// whose stored lexemes (005_passage_lexemes.sql) match query lexemes ($6) of
// the largest total weight ($7), then the first. Only the picked passages go
// through ts_headline (HighlightAll keeps the text whole).
const headlinesSQL = `
WITH q AS MATERIALIZED (
    SELECT lang, replace(plainto_tsquery(lang::regconfig, $4)::text, ' & ', ' | ')::tsquery AS query
    FROM unnest($5::text[]) AS lang
),
best AS (
    SELECT DISTINCT ON (p.entry_id) p.entry_id, p.start_char, p.end_char, e.language, e.content, q.query
    FROM passages p
    JOIN entries e ON e.feed_id = p.feed_id AND e.id = p.entry_id
    JOIN q ON q.lang = e.language
    LEFT JOIN unnest($8::uuid[], $9::int[]) AS s (entry_id, ordinal) ON s.entry_id = p.entry_id
    WHERE p.feed_id = ANY($1) AND e.feed_id = ANY($1)
      AND p.entry_id = ANY($2) AND e.id = ANY($2) AND p.model = $3
    ORDER BY p.entry_id, (s.ordinal = p.ordinal) IS TRUE DESC,
             (SELECT coalesce(sum(w.weight), 0)
              FROM unnest($6::text[], $7::float8[]) AS w (lexeme, weight)
              WHERE w.lexeme = ANY (p.lexemes)) DESC,
             p.ordinal
),
bodies AS (
    SELECT entry_id, start_char, language, query,
           translate(substr(content, start_char + 1, end_char - start_char), E'\x01\x02', '  ') AS body
    FROM best
)
SELECT entry_id, start_char, body,
       CASE WHEN numnode(query) = 0 THEN body
            ELSE ts_headline(language::regconfig, body, query,
                             'HighlightAll=true, StartSel=' || E'\x01' || ', StopSel=' || E'\x02') END
FROM bodies`

// markedPassage is the highlight passage of a page entry with its matches.
type markedPassage struct {
	start        int
	body, marked string
}

// highlight sets the Highlight of each hit, from the passages of the page's
// entries: one statement for the whole page, never per candidate. weights are
// the query lexemes' IDFs from the keyword leg; when it did not run and a hit
// needs a keyword pick, they are read first. A hit whose entry has no
// passages of the active model gets none.
func (e *Engine) highlight(ctx context.Context, q Query, hits []Hit, weights map[string]float64) error {
	defer e.hooks.timeLeg("highlight", time.Now())
	if len(hits) == 0 {
		return nil
	}
	if semIDs, _ := semanticPicks(hits); weights == nil && len(semIDs) < len(hits) {
		var err error
		if weights, err = e.lexemeWeights(ctx, q); err != nil {
			return err
		}
	}
	byEntry, err := e.markedPassages(ctx, q, hits, weights)
	if err != nil {
		return err
	}
	for i := range hits {
		if p, ok := byEntry[hits[i].ID]; ok {
			hits[i].Highlight = renderHighlight(p)
		}
	}
	return nil
}

// semanticPicks lists the hits whose highlight is the passage the semantic
// leg scored: those it ranked at least as high as the keyword leg.
func semanticPicks(hits []Hit) (ids []uuid.UUID, ordinals []int32) {
	for _, h := range hits {
		if h.semPassage > 0 && h.Semantic != nil && (h.Keyword == nil || h.Semantic.Rank <= h.Keyword.Rank) {
			ids, ordinals = append(ids, h.ID), append(ordinals, int32(h.semPassage))
		}
	}
	return ids, ordinals
}

func (e *Engine) markedPassages(ctx context.Context, q Query, hits []Hit, weights map[string]float64) (map[uuid.UUID]markedPassage, error) {
	feeds, ids := keysOf(hits)
	lexemes := make([]string, 0, len(weights))
	ws := make([]float64, 0, len(weights))
	for x, w := range weights {
		lexemes, ws = append(lexemes, x), append(ws, w)
	}
	semIDs, semOrds := semanticPicks(hits)
	rows, err := e.pool.Query(ctx, headlinesSQL, feeds, ids, e.embedder.Model().String(),
		q.Text, languages(q.Feeds), lexemes, ws, semIDs, semOrds)
	if err != nil {
		return nil, fmt.Errorf("highlight: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID]markedPassage{}
	for rows.Next() {
		var id uuid.UUID
		var p markedPassage
		var start int32
		if err := rows.Scan(&id, &start, &p.body, &p.marked); err != nil {
			return nil, fmt.Errorf("highlight: %w", err)
		}
		p.start = int(start)
		out[id] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("highlight: %w", err)
	}
	return out, nil
}

// span is a marked stretch of a passage, in code points of its body.
type span struct{ start, end int }

// marks finds the sentinel-marked spans of marked and checks that removing the
// sentinels gives body back; if not (ts_headline altered the text), there are
// no marks.
func marks(body, marked string) []span {
	var out []span
	var plain strings.Builder
	at, open := 0, -1
	for _, r := range marked {
		switch string(r) {
		case markOpen:
			open = at
		case markClose:
			if open >= 0 {
				out = append(out, span{open, at})
			}
			open = -1
		default:
			plain.WriteRune(r)
			at++
		}
	}
	if plain.String() != body {
		return nil
	}
	return out
}

// renderHighlight cuts p to at most maxHighlightChars around its marks and
// renders it as escaped HTML with <mark> elements, with its content offsets.
func renderHighlight(p markedPassage) *Highlight {
	body := []rune(p.body)
	ms := marks(p.body, p.marked)
	from, to := cutWindow(body, ms, maxHighlightChars)
	for from < to && unicode.IsSpace(body[from]) {
		from++
	}
	for to > from && unicode.IsSpace(body[to-1]) {
		to--
	}
	var b strings.Builder
	at := from
	for _, m := range ms {
		if m.start < from || m.end > to {
			continue
		}
		b.WriteString(html.EscapeString(string(body[at:m.start])))
		b.WriteString("<mark>" + html.EscapeString(string(body[m.start:m.end])) + "</mark>")
		at = m.end
	}
	b.WriteString(html.EscapeString(string(body[at:to])))
	return &Highlight{Text: b.String(), Start: p.start + from, End: p.start + to}
}

// cutWindow returns the stretch [from, to) of body, at most limit long, that
// holds the most whole marks (the earliest of equals), with its ends moved to
// word boundaries when the body is longer than limit.
func cutWindow(body []rune, ms []span, limit int) (from, to int) {
	if len(body) <= limit {
		return 0, len(body)
	}
	starts := []int{0}
	for _, m := range ms {
		starts = append(starts, wordStart(body, max(0, m.start-limit/5)))
	}
	bestCount := -1
	for _, s := range starts {
		n := 0
		for _, m := range ms {
			if m.start >= s && m.end <= s+limit {
				n++
			}
		}
		if n > bestCount {
			from, bestCount = s, n
		}
	}
	to = min(len(body), from+limit)
	if to < len(body) {
		for t := to; t > from; t-- {
			if unicode.IsSpace(body[t]) {
				to = t
				break
			}
		}
	}
	return from, to
}

// wordStart moves i back to the start of the word it is in.
func wordStart(body []rune, i int) int {
	for i > 0 && !unicode.IsSpace(body[i-1]) {
		i--
	}
	return i
}
