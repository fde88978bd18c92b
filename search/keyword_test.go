package search

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestKeywordSearch(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "health", "english")
	ingest(t, eng, feed, healthCorpus())

	tests := []struct {
		name     string
		q        Query
		want     []string // in order
		anyOrder bool
	}{
		{name: "quoted phrase", q: Query{Text: `"heart attack"`}, want: []string{"attack"}},
		{name: "or", q: Query{Text: "stroke OR sleep"}, want: []string{"sleep", "stroke"}, anyOrder: true},
		{name: "negation", q: Query{Text: "heart -diet"}, want: []string{"attack", "exercise", "worms"}, anyOrder: true},
		{name: "categories", q: Query{Text: "heart", Categories: []string{"Cardiology", "Nutrition"}}, want: []string{"attack", "diet"}, anyOrder: true},
		{name: "confidence_min is inclusive", q: Query{Text: "heart", ConfidenceMin: 0.8}, want: []string{"attack", "exercise", "worms"}, anyOrder: true},
		{name: "allowed categories", q: Query{Text: "heart", AllowedCategories: []string{"fitness", "nutrition"}}, want: []string{"diet", "exercise"}, anyOrder: true},
		{name: "allowed categories intersect requested ones", q: Query{Text: "heart", Categories: []string{"cardiology", "fitness"}, AllowedCategories: []string{"fitness"}}, want: []string{"exercise"}},
		{name: "empty allowed list allows nothing", q: Query{Text: "heart", AllowedCategories: []string{}}, want: []string{}},
		{name: "stop words only", q: Query{Text: "the and of"}, want: []string{}},
		{name: "no match", q: Query{Text: "xylophone"}, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Feeds, tt.q.Limit = []Feed{feed}, 10
			res := mustSearch(t, eng, tt.q)
			got := externalIDs(res.Hits)
			if tt.anyOrder {
				got = sortedIDs(res.Hits)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			for i, h := range res.Hits {
				if h.Keyword == nil || h.Keyword.Rank != tt.q.Offset+i+1 || h.RawScore != h.Keyword.Score || h.Semantic != nil {
					t.Errorf("hit %d %s: scores %+v %+v raw %v", i, h.ExternalID, h.Keyword, h.Semantic, h.RawScore)
				}
				if h.FeedID != feed.ID || h.Title == "" {
					t.Errorf("hit %d: entry not filled: %+v", i, h.Entry)
				}
			}
		})
	}
}

func TestKeywordQuestionMatchesSomeWordsMoreIsBetter(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "health", "english")
	ingest(t, eng, feed, healthCorpus())

	res := mustSearch(t, eng, Query{Text: "does running strengthen the heart of adults who sleep", Feeds: []Feed{feed}, Limit: 10})
	got := externalIDs(res.Hits)
	// exercise matches running, strengthen and heart; sleep matches adults and
	// sleep; the other heart entries match heart alone.
	if len(got) < 3 || got[0] != "exercise" || got[1] != "sleep" {
		t.Fatalf("got %q, want exercise then sleep first", got)
	}
	if slices.Contains(got, "stroke") {
		t.Errorf("got %q: stroke matches no word of the question", got)
	}
	for _, id := range []string{"attack", "diet", "worms"} {
		if !slices.Contains(got, id) {
			t.Errorf("got %q, want %s (matches heart)", got, id)
		}
	}
}

func TestKeywordPlainQueryRanksEntriesMatchingAllWordsFirst(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "health", "english")
	ingest(t, eng, feed, healthCorpus())

	res := mustSearch(t, eng, Query{Text: "hearts attacked", Feeds: []Feed{feed}, Limit: 10})
	got := externalIDs(res.Hits)
	if len(got) != 4 {
		t.Fatalf("got %q, want the 4 entries with heart or attack", got)
	}
	top := []string{got[0], got[1]}
	slices.Sort(top)
	if !slices.Equal(top, []string{"attack", "worms"}) {
		t.Errorf("got %q, want attack and worms (both words, stemmed) first", got)
	}
	second := mustSearch(t, eng, Query{Text: "hearts attacked", Feeds: []Feed{feed}, Limit: 2, Offset: 2})
	if p := externalIDs(second.Hits); !slices.Equal(p, got[2:4]) {
		t.Errorf("offset 2 limit 2: got %q, want %q", p, got[2:4])
	}
	if second.Hits[0].Keyword.Rank != 3 {
		t.Errorf("offset 2: first hit has rank %d, want 3", second.Hits[0].Keyword.Rank)
	}
	if second.HasMore {
		t.Error("offset 2 limit 2 of 4: HasMore = true, want false")
	}
	if first := mustSearch(t, eng, Query{Text: "hearts attacked", Feeds: []Feed{feed}, Limit: 3}); !first.HasMore {
		t.Error("limit 3 of 4: HasMore = false, want true")
	}
}

func TestKeywordStemmingFollowsEachFeedsConfiguration(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	en := newFeed(t, pool, "en", "english")
	simple := newFeed(t, pool, "raw", "simple")
	de := newFeed(t, pool, "de", "german")
	ingest(t, eng, en, []NewEntry{{ExternalID: "en", Title: "Running shoes", Content: "Cushioned shoes for running."}})
	ingest(t, eng, simple, []NewEntry{{ExternalID: "simple", Title: "Running log", Content: "The running diary of a runner."}})
	ingest(t, eng, de, []NewEntry{{ExternalID: "de", Title: "Laufschuhe", Content: "Schuhe für lange Läufe und Wanderungen."}})
	all := []Feed{en, simple, de}

	tests := []struct {
		text string
		want []string
	}{
		{"runs", []string{"en"}},                  // english stems runs → run; simple keeps "runs"
		{"running", []string{"en", "simple"}},     // the literal word is in both
		{"the running", []string{"en", "simple"}}, // "the" is a stop word in english, a word in simple
		{"Wanderung", []string{"de"}},             // german stems plural and singular alike
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			res := mustSearch(t, eng, Query{Text: tt.text, Feeds: all, Limit: 10})
			if got := sortedIDs(res.Hits); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestKeywordFanOutMergesFeedsByScore(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	a := newFeed(t, pool, "a", "english")
	b := newFeed(t, pool, "b", "english")
	ingest(t, eng, a, []NewEntry{
		{ExternalID: "a-weak", Title: "Gardening", Content: "Tomatoes need sun; compost helps tomatoes grow."},
		{ExternalID: "a-none", Title: "Bread", Content: "Flour, water, salt."},
	})
	ingest(t, eng, b, []NewEntry{
		{ExternalID: "b-strong", Title: "Tomatoes", Content: "Growing tomatoes in pots."},
		{ExternalID: "b-none", Title: "Cheese", Content: "Milk and rennet."},
	})
	res := mustSearch(t, eng, Query{Text: "tomatoes", Feeds: []Feed{a, b}, Limit: 10})
	if got, want := externalIDs(res.Hits), []string{"b-strong", "a-weak"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q (the title match first, across feeds)", got, want)
	}
	if res.Hits[0].FeedID != b.ID || res.Hits[1].FeedID != a.ID {
		t.Errorf("feed ids: got %s, %s", res.Hits[0].FeedID, res.Hits[1].FeedID)
	}
	if res.Hits[0].RawScore <= res.Hits[1].RawScore {
		t.Errorf("scores not descending: %v then %v", res.Hits[0].RawScore, res.Hits[1].RawScore)
	}
	one := mustSearch(t, eng, Query{Text: "tomatoes", Feeds: []Feed{a, b}, Limit: 1})
	if got := externalIDs(one.Hits); !slices.Equal(got, []string{"b-strong"}) {
		t.Errorf("limit 1: got %q, want the best hit over both feeds", got)
	}
}

// IDF: an entry matching the rare word of a question outranks entries
// matching only its common words, and every entry matching a word is ranked.
func TestKeywordRareWordOutranksCommonOnes(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "common", "english")
	var batch []NewEntry
	for i := range 60 {
		batch = append(batch, NewEntry{ExternalID: "c" + strings.Repeat("x", i+1), Title: "Common words", Content: "weather report"})
	}
	batch = append(batch, NewEntry{ExternalID: "rare", Title: "Notes", Content: "A tornado."})
	ingest(t, eng, feed, batch)

	res := mustSearch(t, eng, Query{Text: "tornado weather report", Feeds: []Feed{feed}, Limit: 50})
	if len(res.Hits) == 0 || res.Hits[0].ExternalID != "rare" {
		t.Fatalf("got %q, want rare first", externalIDs(res.Hits))
	}
	if len(res.Hits) != 50 || !res.HasMore {
		t.Errorf("got %d hits (has more %v), want a full page of 50 of the 61 matches", len(res.Hits), res.HasMore)
	}
}

func TestSearchRejectsInvalidQueries(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "v", "english")
	ok := Query{Text: "x", Feeds: []Feed{feed}, Limit: 5}
	tests := []struct {
		name string
		edit func(*Query)
	}{
		{"empty text", func(q *Query) { q.Text = "  " }},
		{"long text", func(q *Query) { q.Text = strings.Repeat("é", MaxQueryChars+1) }},
		{"bad mode", func(q *Query) { q.Mode = "fuzzy" }},
		{"no feeds", func(q *Query) { q.Feeds = nil }},
		{"too many feeds", func(q *Query) { q.Feeds = make([]Feed, MaxFeeds+1) }},
		{"limit 0", func(q *Query) { q.Limit = 0 }},
		{"limit 51", func(q *Query) { q.Limit = MaxLimit + 1 }},
		{"negative offset", func(q *Query) { q.Offset = -1 }},
		{"confidence above 1", func(q *Query) { q.ConfidenceMin = 1.5 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := ok
			tt.edit(&q)
			if _, err := eng.Search(t.Context(), q); !errors.Is(err, ErrInvalidQuery) {
				t.Errorf("got %v, want ErrInvalidQuery", err)
			}
		})
	}
}

// Query text is data, never syntax: odd punctuation, quotes and backslashes
// neither fail nor inject tsquery operators.
func TestKeywordOddTextNeverFails(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "health", "english")
	ingest(t, eng, feed, healthCorpus())
	texts := []string{
		`heart & (attack | !stroke) :* <->`, `"heart attack`, `it's O'Brien's c:\path\x`,
		`-`, `OR`, `""`, `'`, `\`, `héart—attack…`, `- -heart`, `heart OR`,
	}
	for _, text := range texts {
		for _, mode := range []Mode{ModeKeyword, ModeHybrid} {
			if _, err := eng.Search(t.Context(), Query{Text: text, Mode: mode, Feeds: []Feed{feed}, Limit: 5}); err != nil {
				t.Errorf("%s %q: %v", mode, text, err)
			}
		}
	}
	res := mustSearch(t, eng, Query{Text: `heart & (attack | !stroke)`, Feeds: []Feed{feed}, Limit: 10})
	if got := sortedIDs(res.Hits); !slices.Contains(got, "stroke") || !slices.Contains(got, "attack") {
		t.Errorf("got %q: & | ! are punctuation in a plain question, so stroke and attack match", got)
	}
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text, ranked, filter string
		required             bool
	}{
		{text: "papers by Prieve or Pooch on compilers", ranked: "papers by Prieve or Pooch on compilers"},
		{text: "multi-targeted kinase inhibitors", ranked: "multi-targeted kinase inhibitors"},
		{text: `"heart attack" risk`, ranked: "heart attack risk", filter: `"heart attack"`, required: true},
		{text: `"heart attack" OR stroke risk`, ranked: "heart attack stroke risk", filter: `"heart attack" or stroke`, required: true},
		{text: "stroke OR sleep", ranked: "stroke sleep"},
		{text: "heart -diet", ranked: "heart", filter: "-diet"},
		{text: `"unclosed phrase`, ranked: "unclosed phrase", filter: `"unclosed phrase"`, required: true},
		{text: "OR leading and - dash", ranked: "OR leading and - dash"},
		{text: "not and or", ranked: "not and or"},
	}
	for _, tt := range tests {
		got := parseQuery(tt.text)
		if got.ranked != tt.ranked || got.filter != tt.filter || got.required != tt.required {
			t.Errorf("parseQuery(%q) = %+v, want ranked %q filter %q required %v", tt.text, got, tt.ranked, tt.filter, tt.required)
		}
	}
}

// Lowercase "or", "and", "not" and hyphens are ordinary text: a question
// using them ranks entries matching any of its words.
func TestKeywordOrdinaryWordsAreNotOperators(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "health", "english")
	ingest(t, eng, feed, append(healthCorpus(),
		NewEntry{ExternalID: "kinase", Title: "Multi-targeted kinase inhibitors", Content: "Drugs that hit several kinases."}))
	tests := []struct {
		text string
		want []string // must all be among the hits
	}{
		{"does sleep or exercise help the heart", []string{"sleep", "exercise", "attack"}},
		{"stroke and not sleep", []string{"stroke", "sleep"}},
		{"multi-targeted therapies", []string{"kinase"}},
		{`"heart attack" OR stroke`, []string{"attack", "stroke"}},
	}
	for _, tt := range tests {
		got := externalIDs(mustSearch(t, eng, Query{Text: tt.text, Feeds: []Feed{feed}, Limit: 10}).Hits)
		for _, id := range tt.want {
			if !slices.Contains(got, id) {
				t.Errorf("%q: got %q, want %s among them", tt.text, got, id)
			}
		}
	}
	// The phrase restricts: only entries with the phrase or the ORed word.
	got := sortedIDs(mustSearch(t, eng, Query{Text: `"heart attack" OR stroke risk`, Feeds: []Feed{feed}, Limit: 10}).Hits)
	if !slices.Equal(got, []string{"attack", "stroke"}) {
		t.Errorf("phrase OR word: got %q, want attack and stroke only", got)
	}
}
