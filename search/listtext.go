package search

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
)

// A list's text filter (ListQuery.Text: plain words, all must match) is
// served by the keyword index, not a GIN index (012_no_gin.sql). The filter
// is plainto_tsquery of the text in each feed's configuration: with the
// configurations Postgres ships, a conjunction of lexemes, matched exactly by
// the entry versions in the posting list of every one of them (dead versions
// among them find no entry row). A configuration whose dictionaries give a
// word alternative lexemes (an OR) is not a conjunction: such a list checks
// search_vector @@ the filter on every entry of its feeds. A text of stop
// words alone matches nothing, as it does in Postgres.

// listTermsSQL gives the filter of text $1 in each language $2.
const listTermsSQL = `
SELECT lang, plainto_tsquery(lang::regconfig, $1)::text FROM unnest($2::text[]) AS lang`

// candidates are entry versions, as pairs of feed and doc_no.
type candidates struct {
	feeds []uuid.UUID
	docs  []int64
}

// textCandidates returns the entry versions of feeds that hold every lexeme
// of text's filter in their feed's language (dead versions among them: the
// entries query finds no row for those), or false when a filter is not a
// conjunction of lexemes.
func (e *Engine) textCandidates(ctx context.Context, feeds []Feed, text string) (candidates, bool, error) {
	rows, err := e.pool.Query(ctx, listTermsSQL, text, languages(feeds))
	if err != nil {
		return candidates{}, false, fmt.Errorf("list entries: parse: %w", err)
	}
	byLang := map[string][]string{}
	conjunction := true
	var lang, filter string
	for rows.Next() {
		if err := rows.Scan(&lang, &filter); err != nil {
			rows.Close()
			return candidates{}, false, fmt.Errorf("list entries: parse: %w", err)
		}
		lexemes, plain := tsqueryLexemes(filter)
		byLang[lang], conjunction = lexemes, conjunction && plain
	}
	if err := rows.Err(); err != nil {
		return candidates{}, false, fmt.Errorf("list entries: parse: %w", err)
	}
	if !conjunction {
		return candidates{}, false, nil
	}
	kq := keywordQuery{feedLexemes: map[uuid.UUID][]string{}}
	kq.addFeeds(feeds, byLang)
	if len(kq.pairFeeds) == 0 {
		return candidates{}, true, nil
	}
	lists, _, err := e.currentLists(ctx, feeds, kq)
	if err != nil {
		return candidates{}, false, fmt.Errorf("list entries: %w", err)
	}
	return intersect(feeds, byLang, lists), true, nil
}

// intersect returns, for each feed, the docs in the lists of all of its
// language's lexemes (none when one has no list there).
func intersect(feeds []Feed, byLang map[string][]string, lists []scoredList) candidates {
	byKey := make(map[postingKey][]int64, len(lists))
	for _, l := range lists {
		byKey[l.key] = l.docs
	}
	var out candidates
	for _, f := range feeds {
		add := func(d int64) { out.feeds, out.docs = append(out.feeds, f.ID), append(out.docs, d) }
		lexemes := slices.Compact(slices.Sorted(slices.Values(byLang[f.Language])))
		var docLists [][]int64
		for _, l := range lexemes {
			docLists = append(docLists, byKey[postingKey{f.ID, l}])
		}
		// The shortest list first: it bounds the result.
		slices.SortFunc(docLists, func(a, b []int64) int { return len(a) - len(b) })
		if len(docLists) == 0 || len(docLists[0]) == 0 {
			continue
		}
		if len(docLists) == 1 {
			for _, d := range docLists[0] {
				add(d)
			}
			continue
		}
		hits := make(map[int64]int, len(docLists[0]))
		for _, d := range docLists[0] {
			hits[d] = 1
		}
		for i, docs := range docLists[1:] {
			for _, d := range docs {
				if hits[d] == i+1 {
					hits[d] = i + 2
				}
			}
		}
		for _, d := range docLists[0] {
			if hits[d] == len(docLists) {
				add(d)
			}
		}
	}
	return out
}
