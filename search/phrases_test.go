package search

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/kapi-project/kapi/migrations/pgtest"
)

// tsqueryLexemes reads the text Postgres writes for a restriction's
// alternative: the lexemes to_tsvector finds in it, when it is a conjunction.
func TestTSQueryLexemes(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	tests := []struct {
		alt   string
		plain bool
	}{
		{`"heart attack"`, true},
		{`"it's a back\slash"`, true},
		{`"rock or roll"`, true}, // in quotes, or is a word
		{`"multi-targeted therapy"`, true},
		{`"heart -attack"`, true},
		{`stroke`, true},
		{`"the"`, true}, // stop words alone: no lexemes
		{`"x y" or "b c"`, false},
		{`-stroke`, false},
	}
	for _, tt := range tests {
		var q string
		var want []string
		err := pool.QueryRow(context.Background(),
			`SELECT websearch_to_tsquery('english', $1)::text, tsvector_to_array(to_tsvector('english', $1))`, tt.alt).Scan(&q, &want)
		if err != nil {
			t.Fatal(err)
		}
		got, plain := tsqueryLexemes(q)
		if plain != tt.plain {
			t.Errorf("%s (%s): plain %v, want %v", tt.alt, q, plain, tt.plain)
			continue
		}
		slices.Sort(got)
		got = slices.Compact(got)
		if plain && !slices.Equal(got, want) {
			t.Errorf("%s (%s): %q, want %q", tt.alt, q, got, want)
		}
	}
}

// A requirement keeps a group only when every alternative is read as
// lexemes the leg reads; stop-word alternatives drop out.
func TestNewRequirement(t *testing.T) {
	t.Parallel()
	ranked := []string{"heart", "attack", "stroke"}
	req := newRequirement([]int{2, 1, 1}, []string{`'heart' <-> 'attack'`, ``, `'stroke' | 'x'`, `'angina'`}, ranked)
	if len(req) != 1 || len(req[0]) != 1 || !slices.Equal(req[0][0], []string{"heart", "attack"}) {
		t.Errorf("got %q, want one group [[heart attack]]", req)
	}
}

// narrow keeps the entries holding every lexeme of an alternative of each
// group, per language, and keeps all when a language has nothing to check.
func TestNarrow(t *testing.T) {
	t.Parallel()
	en, de := Feed{ID: [16]byte{1}, Language: "english"}, Feed{ID: [16]byte{2}, Language: "german"}
	list := func(f Feed, lexeme string, docs ...int64) scoredList {
		return scoredList{key: postingKey{f.ID, lexeme}, postings: &postings{docs: docs}}
	}
	lists := []scoredList{list(en, "heart", 1, 2, 3), list(en, "attack", 2, 3, 4), list(en, "stroke", 5), list(de, "herz", 10, 11), list(de, "infarkt", 11)}
	scores := func(docs ...int64) []docScore {
		var out []docScore
		for _, d := range docs {
			out = append(out, docScore{doc: d})
		}
		return out
	}
	docs := func(s []docScore) []int64 {
		var out []int64
		for _, x := range s {
			out = append(out, x.doc)
		}
		return out
	}
	kq := keywordQuery{need: map[string]requirement{
		"english": {{{"heart", "attack"}, {"stroke"}}},
		"german":  {{{"herz", "infarkt"}}},
	}}
	got := docs(kq.narrow(scores(1, 2, 3, 4, 5, 10, 11), lists, []Feed{en, de}))
	if want := []int64{2, 3, 5, 11}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	kq.need["german"] = nil
	got = docs(kq.narrow(scores(1, 2, 4), lists, []Feed{en, de}))
	if want := []int64{1, 2, 4}; !slices.Equal(got, want) {
		t.Errorf("a language with nothing to check: got %v, want %v", got, want)
	}
}

// A list's text filter, served by the keyword index, lists what the filter
// alone lists (search_vector @@ plainto_tsquery), across feeds of two
// languages, after updates (dead postings) and deletes, with paging and
// counts.
func TestListTextIsTheFilter(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	ctx := context.Background()
	en, de := newFeed(t, pool, "text-en", "english"), newFeed(t, pool, "text-de", "german")
	ingest(t, eng, en, generated(300, 7))
	ingest(t, eng, de, generated(120, 8))
	changed := generated(300, 9)[:60] // the same ids, other words: their old postings die
	ingest(t, eng, en, changed)
	if _, err := pool.Exec(ctx, `DELETE FROM entries WHERE feed_id = $1 AND external_id LIKE 'g001%'`, en.ID); err != nil {
		t.Fatal(err)
	}
	feeds := []Feed{en, de}
	for _, text := range []string{"alpha", "alpha bravo", "Alpha's bravos charlie", "the", "the alpha", "astronomy", "alpha astronomy"} {
		var want []string
		err := pool.QueryRow(ctx, `
SELECT coalesce(array_agg(e.id::text ORDER BY e.updated_at DESC, e.id DESC), '{}')
FROM entries e JOIN feeds f ON f.id = e.feed_id
WHERE e.feed_id = ANY($1) AND e.search_vector @@ plainto_tsquery(f.language::regconfig, $2)`,
			[]uuid.UUID{en.ID, de.ID}, text).Scan(&want)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for offset := 0; ; offset += 40 {
			page, total, err := eng.List(ctx, ListQuery{Feeds: feeds, Text: text, Limit: 40, Offset: offset})
			if err != nil {
				t.Fatal(err)
			}
			if total != int64(len(want)) {
				t.Fatalf("%q: total %d, want %d", text, total, len(want))
			}
			for _, x := range page {
				got = append(got, x.ID.String())
			}
			if len(page) < 40 {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: %d entries, want %d", text, len(got), len(want))
		}
	}
}

// A phrase restriction, checked only on the entries that can match it,
// returns what a search over every entry matching it returns.
func TestPhraseRestrictionIsTheFilter(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	ctx := context.Background()
	feed := newFeed(t, pool, "phrases", "english")
	ingest(t, eng, feed, generated(400, 11))
	for _, text := range []string{`"alpha bravo"`, `"alpha bravo" OR charlie`, `"bravo" "charlie"`,
		`"the alpha" -bravo`, `"alpha bravo" OR "charlie delta" echo`, `"the alpha" OR "the bravo"`} {
		var want []string
		err := pool.QueryRow(ctx, `
SELECT coalesce(array_agg(external_id ORDER BY external_id), '{}') FROM entries
WHERE feed_id = $1 AND search_vector @@ websearch_to_tsquery('english', $2)`, feed.ID, parseQuery(text).filter).Scan(&want)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for offset := 0; ; offset += MaxLimit {
			res := mustSearch(t, eng, Query{Text: text, Mode: ModeKeyword, Feeds: []Feed{feed}, Limit: MaxLimit, Offset: offset})
			got = append(got, externalIDs(res.Hits)...)
			if !res.HasMore {
				break
			}
		}
		slices.Sort(got)
		if parseQuery(text).filter == "" || len(want) == 0 {
			t.Fatalf("%q: a bad case (%d matches)", text, len(want))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %d entries, want %d", text, len(got), len(want))
		}
	}
}
