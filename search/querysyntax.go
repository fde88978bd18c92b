package search

import (
	"strings"
	"unicode"
)

// A keyword question's words are all optional: BM25 ranks the entries that
// match any of them. Three operators restrict which entries may be returned:
//
//   - "a quoted phrase" must appear, as a phrase;
//   - OR, in capitals, between two terms makes them alternatives: `"heart
//     attack" OR stroke` needs the phrase or the word (between plain words it
//     changes nothing: both are optional already);
//   - -word, at the start of a word, must not appear.
//
// Everything else is ordinary text: a lowercase "or", "and" or "not",
// hyphenated words (multi-targeted), punctuation. Matching uses the feed's
// text-search configuration, so the restriction is handed to Postgres as
// websearch_to_tsquery text that parseQuery writes itself.

// parsedQuery is a keyword question split into what ranks and what restricts.
type parsedQuery struct {
	// ranked is the text whose lexemes BM25 scores: every word and every
	// phrase's words, without the operators and negated words.
	ranked string
	// filter is websearch_to_tsquery text every returned entry must match;
	// empty for none.
	filter string
	// required reports that filter names something an entry must contain (a
	// phrase), not only words it must not (negations).
	required bool
	// groups are the groups of alternatives filter requires, each
	// alternative as websearch_to_tsquery text (a quoted phrase or a word):
	// an entry matches only if it matches an alternative of every group.
	groups [][]string
}

// queryItem is a word or a phrase of a question, in order.
type queryItem struct {
	text   string
	phrase bool
	negate bool
	or     bool // an OR stood before it
}

// parseQuery splits text into its items and builds the ranked text and the
// filter from them.
func parseQuery(text string) parsedQuery {
	items := scanItems(text)
	var ranked []string
	for _, it := range items {
		if !it.negate {
			ranked = append(ranked, it.text)
		}
	}
	var clauses []string
	var groups [][]string
	for _, group := range orGroups(items) {
		if alts := groupAlternatives(group); alts != nil {
			clauses, groups = append(clauses, strings.Join(alts, " or ")), append(groups, alts)
		}
	}
	required := len(clauses) > 0
	for _, it := range items {
		if it.negate {
			clauses = append(clauses, "-"+it.text)
		}
	}
	return parsedQuery{ranked: strings.Join(ranked, " "), filter: strings.Join(clauses, " "), required: required, groups: groups}
}

// scanItems reads words, quoted phrases (an unclosed quote runs to the end),
// negations and OR.
func scanItems(text string) []queryItem {
	var items []queryItem
	or := false
	for rest := text; rest != ""; {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		var it queryItem
		if rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				end = len(rest) - 1
			}
			it = queryItem{text: strings.Join(strings.Fields(rest[1:1+end]), " "), phrase: true}
			rest = rest[min(len(rest), end+2):]
		} else {
			end := strings.IndexFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
			if end < 0 {
				end = len(rest)
			}
			it, rest = queryItem{text: rest[:end]}, rest[end:]
			if it.text == "OR" && len(items) > 0 {
				or = true
				continue
			}
			if len(it.text) > 1 && it.text[0] == '-' {
				it.text, it.negate = it.text[1:], true
			}
		}
		if it.text == "" {
			continue
		}
		it.or, or = or, false
		items = append(items, it)
	}
	return items
}

// orGroups splits the positive items into runs joined by OR.
func orGroups(items []queryItem) [][]queryItem {
	var groups [][]queryItem
	for _, it := range items {
		switch {
		case it.negate:
		case it.or && len(groups) > 0:
			groups[len(groups)-1] = append(groups[len(groups)-1], it)
		default:
			groups = append(groups, []queryItem{it})
		}
	}
	return groups
}

// groupAlternatives are the websearch texts of the alternatives a group
// requires (one of them), when one of them is a phrase; nil when all are
// plain (optional) words.
func groupAlternatives(group []queryItem) []string {
	hasPhrase := false
	alts := make([]string, len(group))
	for i, it := range group {
		alts[i] = it.text
		if it.phrase {
			hasPhrase = true
			alts[i] = `"` + it.text + `"`
		} else {
			// A bare word reaches websearch_to_tsquery only as a word: drop
			// what it would read as an operator.
			alts[i] = strings.TrimLeft(it.text, "-")
		}
	}
	if !hasPhrase {
		return nil
	}
	return alts
}
