package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/embed/embedtest"
)

// oneTokenAWord sizes windows in words: every word is one token.
func oneTokenAWord(budget, overlap int) sizer {
	return sizer{budget: budget, overlap: overlap, count: func(string) int { return 1 }}
}

func TestSplitWindows(t *testing.T) {
	t.Parallel()
	long := strings.TrimSpace(strings.Repeat("alpha beta gamma delta épsilon ", 20)) // 100 words
	tests := []struct {
		name, title, content string
		s                    sizer
		wantWindows          int
	}{
		{name: "empty content is the title alone", title: "T", content: "", s: oneTokenAWord(10, 0), wantWindows: 1},
		{name: "short content is one window", title: "T", content: "  a short  text ", s: oneTokenAWord(20, 0), wantWindows: 1},
		{name: "long content, no overlap", title: "T", content: long, s: oneTokenAWord(22, 0), wantWindows: 5},
		{name: "long content, overlap", title: "T", content: long, s: oneTokenAWord(22, 5), wantWindows: 7},
		{name: "a long title leaves the least room", title: strings.Repeat("t ", 50), content: long,
			s: sizer{budget: 21, count: func(s string) int { return len(strings.Fields(s)) }}, wantWindows: 100/minWindowTokens + 1},
		{name: "one word over budget", title: "", content: "a " + strings.Repeat("x", 500) + " b",
			s: sizer{budget: 10, count: func(s string) int { return len(s) }}, wantWindows: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := splitWindows(tt.title, tt.content, tt.s)
			if len(ws) != tt.wantWindows {
				t.Fatalf("got %d windows %v, want %d", len(ws), ws, tt.wantWindows)
			}
			checkWindows(t, tt.title, tt.content, tt.s, ws)
		})
	}
}

// With the estimate, a content that fits one window skips listing its words
// (oneWindow), with the windows the listing gives.
func TestOneWindowIsWhatWordsGive(t *testing.T) {
	t.Parallel()
	contents := []string{"", "   ", "\u00a0\t", "word", "  a short  text ", "é\u00a0ü ñ\u2003x.", "ends with space ",
		strings.Repeat("alpha beta gamma ", 40), strings.Repeat("abcdefghijklmnop ", 30) + "x"}
	for budget := 16; budget <= 200; budget += 7 {
		for _, c := range contents {
			for _, title := range []string{"", "A title"} {
				fast := splitWindows(title, c, sizer{budget: budget, count: estimateTokens, estimated: true})
				listed := splitWindows(title, c, sizer{budget: budget, count: estimateTokens})
				if !slices.Equal(fast, listed) {
					t.Fatalf("budget %d, %q: %v, want %v", budget, c, fast, listed)
				}
			}
		}
	}
}

// A window that must be cut ends at its last sentence end when it keeps at
// least half its room; otherwise at the last word that fits.
func TestSplitWindowsAtSentences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content string
		want          []string
	}{
		{"cut after the sentence", "one two three four five six. seven eight nine ten eleven",
			[]string{"one two three four five six.", "seven eight nine ten eleven"}},
		{"closing quote and question mark", `one two three four five "six?" seven eight nine ten`,
			[]string{`one two three four five "six?"`, "seven eight nine ten"}},
		{"a sentence end too early is ignored", "one. two three four five six seven eight nine ten",
			[]string{"one. two three four five six seven eight", "nine ten"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := splitWindows("", tt.content, oneTokenAWord(8, 0))
			var got []string
			for _, w := range ws {
				got = append(got, runeSlice(tt.content, w))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// checkWindows checks that windows cover every word of content in order, each
// starting and ending at word boundaries, within budget unless one word.
func checkWindows(t *testing.T, title, content string, s sizer, ws []window) {
	t.Helper()
	n := len([]rune(content))
	room := s.budget
	if title != "" {
		room = max(room-s.count(title)-1, minWindowTokens)
	}
	covered := 0
	for i, w := range ws {
		if w.start < 0 || w.end > n || w.start > w.end {
			t.Fatalf("window %d %v outside content of %d", i, w, n)
		}
		text := runeSlice(content, w)
		if text != strings.TrimSpace(text) {
			t.Errorf("window %d %q does not start and end at a word", i, text)
		}
		tokens := 0
		for _, f := range strings.Fields(text) {
			tokens += max(1, s.count(f))
		}
		if f := strings.Fields(text); len(f) > 1 && tokens > room {
			t.Errorf("window %d has %d tokens, room %d", i, tokens, room)
		}
		if i > 0 && (w.start <= ws[i-1].start || w.start > ws[i-1].end+1) {
			t.Errorf("window %d %v does not follow %v", i, w, ws[i-1])
		}
		if s.overlap == 0 && i > 0 && w.start < ws[i-1].end {
			t.Errorf("window %d %v overlaps %v without overlap", i, w, ws[i-1])
		}
		covered += len(strings.Fields(text))
	}
	if s.overlap == 0 && covered != len(strings.Fields(content)) {
		t.Errorf("windows hold %d words, content %d", covered, len(strings.Fields(content)))
	}
	if last, end := ws[len(ws)-1], len([]rune(strings.TrimRightFunc(content, unicode.IsSpace))); len(strings.Fields(content)) > 0 && last.end != end {
		t.Errorf("last window %v ends at %d, content at %d", last, last.end, end)
	}
}

// storedPassageRows reads an entry's passages: ordinal, offsets, model.
func storedPassageRows(t *testing.T, pool *pgxpool.Pool, feed Feed, id uuid.UUID) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT ordinal, start_char, end_char, model FROM passages
		WHERE feed_id = $1 AND entry_id = $2 ORDER BY ordinal`, feed.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ord, start, end int
		var model string
		if err := rows.Scan(&ord, &start, &end, &model); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%d-%d@%s", ord, start, end, model))
	}
	return out
}

func sentences(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s sentence number %d talks about item%d. ", prefix, i, i)
	}
	return strings.TrimSpace(b.String())
}

// smallPassages is a test engine whose passages are at most 40 tokens, with a
// feed.
func smallPassages(t *testing.T) (*Engine, *pgxpool.Pool, *embedtest.Embedder, Feed) {
	t.Helper()
	eng, pool, emb := testEngine(t)
	return eng.WithOptions(passageOptions(40)), pool, emb, newFeed(t, pool, "passages", "english")
}

// passageOptions are the default options with passages of at most tokens.
func passageOptions(tokens int) Options {
	o := DefaultOptions()
	o.PassageTokens = tokens
	return o
}

func TestPassagesFollowIngestUpdateDelete(t *testing.T) {
	t.Parallel()
	eng, pool, emb, feed := smallPassages(t)
	ctx := context.Background()
	content := sentences("Filler", 20)
	res, err := eng.Ingest(ctx, feed, []NewEntry{{ExternalID: "long", Title: "Long", Content: content}})
	if err != nil {
		t.Fatal(err)
	}
	id := res[0].ID
	want := splitWindows("Long", content, eng.newSizer())
	got := storedPassageRows(t, pool, feed, id)
	if len(want) < 3 || len(got) != len(want) {
		t.Fatalf("got passages %q, want %d windows (at least 3)", got, len(want))
	}
	for i, w := range want {
		if g := fmt.Sprintf("%d:%d-%d@embedtest@64", i+1, w.start, w.end); got[i] != g {
			t.Errorf("passage %d: got %s, want %s", i+1, got[i], g)
		}
	}

	t.Run("update re-embeds only changed passages", func(t *testing.T) {
		before := emb.Texts()
		changed := strings.Replace(content, "item19.", "thing19.", 1)
		if _, err := eng.Ingest(ctx, feed, []NewEntry{{ExternalID: "long", Title: "Long", Content: changed}}); err != nil {
			t.Fatal(err)
		}
		if n := emb.Texts() - before; n != 1 {
			t.Errorf("embedded %d texts for a change in the last passage, want 1", n)
		}
		if got := storedPassageRows(t, pool, feed, id); len(got) != len(splitWindows("Long", changed, eng.newSizer())) {
			t.Errorf("got passages %q after update", got)
		}
	})
	t.Run("delete removes passages", func(t *testing.T) {
		if err := eng.Delete(ctx, feed.ID, id); err != nil {
			t.Fatal(err)
		}
		if got := storedPassageRows(t, pool, feed, id); len(got) != 0 {
			t.Errorf("got passages %q after delete, want none", got)
		}
	})
}

// A passage stores its lexemes only when its entry has others to choose from
// (011_lean_writes.sql): an entry's only passage stores none.
func TestPassageLexemesOnlyWhereTheyChoose(t *testing.T) {
	t.Parallel()
	eng, pool, _, feed := smallPassages(t)
	ctx := context.Background()
	long := sentences("Filler", 20)
	res, err := eng.Ingest(ctx, feed, []NewEntry{
		{ExternalID: "short", Title: "Short", Content: "Bearings want grease."},
		{ExternalID: "long", Title: "Long", Content: long},
	})
	if err != nil {
		t.Fatal(err)
	}
	// lexemes per passage, and whether each equals its window's own.
	check := func(id uuid.UUID) (counts []int, own bool) {
		t.Helper()
		rows, err := pool.Query(ctx, `
SELECT cardinality(p.lexemes),
       p.lexemes = tsvector_to_array(to_tsvector('english', substr(e.content, p.start_char + 1, p.end_char - p.start_char)))
FROM passages p JOIN entries e ON e.feed_id = p.feed_id AND e.id = p.entry_id
WHERE p.feed_id = $1 AND p.entry_id = $2 ORDER BY p.ordinal`, feed.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		own = true
		for rows.Next() {
			var n int
			var same bool
			if err := rows.Scan(&n, &same); err != nil {
				t.Fatal(err)
			}
			counts, own = append(counts, n), own && same
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		return counts, own
	}
	if counts, _ := check(res[0].ID); len(counts) != 1 || counts[0] != 0 {
		t.Errorf("an only passage: lexemes %v, want one passage with none", counts)
	}
	counts, own := check(res[1].ID)
	if len(counts) < 3 || !own || slices.Contains(counts, 0) {
		t.Errorf("passages of a long entry: lexemes %v (own %v), want each window's own", counts, own)
	}
	ingest(t, eng, feed, []NewEntry{{ExternalID: "long", Title: "Long", Content: "Now short."}})
	if counts, _ := check(res[1].ID); len(counts) != 1 || counts[0] != 0 {
		t.Errorf("an entry rewritten to one passage: lexemes %v, want none", counts)
	}
}

func TestReembedBuildsPassages(t *testing.T) {
	t.Parallel()
	eng, pool, _, feed := smallPassages(t)
	ctx := context.Background()
	res, err := eng.Ingest(ctx, feed, []NewEntry{{ExternalID: "e", Title: "E", Content: sentences("Some", 12)}})
	if err != nil {
		t.Fatal(err)
	}
	// What 004_passages.sql leaves: one whole-entry passage, the model cleared.
	if _, err := pool.Exec(ctx, `DELETE FROM passages WHERE feed_id = $1 AND ordinal > 1`, feed.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE entries SET embedding_model = NULL WHERE feed_id = $1`, feed.ID); err != nil {
		t.Fatal(err)
	}
	n, err := eng.Reembed(ctx, feed, 10, func(int) {})
	if err != nil || n != 1 {
		t.Fatalf("reembed: %d, %v; want 1 entry", n, err)
	}
	if got := storedPassageRows(t, pool, feed, res[0].ID); len(got) < 2 {
		t.Errorf("got passages %q after reembed, want the windows", got)
	}
}

// TestSemanticIndexScanReturnsDistinctEntries: through the HNSW index, entries
// with many close passages do not crowd out the page: limit distinct entries
// come back when that many match, filters applied.
func TestSemanticIndexScanReturnsDistinctEntries(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	o := DefaultOptions()
	o.ExactScanMax, o.PassageTokens, o.PassageFanout = 0, 24, 1
	eng = eng.WithOptions(o)
	feed := newFeed(t, pool, "crowded", "english")
	var batch []NewEntry
	for i := range 4 {
		batch = append(batch, NewEntry{ExternalID: fmt.Sprintf("long%d", i), Title: "Stroke recovery", Category: "neurology",
			Content: strings.Repeat("stroke recovery with physical therapy for patients. ", 12)})
	}
	ingest(t, eng, feed, append(batch, healthCorpus()...))
	tests := []struct {
		name string
		q    Query
		want int
	}{
		{name: "unfiltered", q: Query{Limit: 8}, want: 8},
		{name: "category", q: Query{Limit: 5, Categories: []string{"neurology"}}, want: 5},
		{name: "fewer match than asked", q: Query{Limit: 10, Categories: []string{"neurology", "fitness"}}, want: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Text, tt.q.Mode, tt.q.Feeds = "stroke recovery therapy", ModeSemantic, []Feed{feed}
			got := externalIDs(mustSearch(t, eng, tt.q).Hits)
			seen := map[string]bool{}
			for _, id := range got {
				if seen[id] {
					t.Errorf("got %q: %s twice", got, id)
				}
				seen[id] = true
			}
			if len(got) != tt.want {
				t.Errorf("got %d entries %q, want %d", len(got), got, tt.want)
			}
		})
	}
}
