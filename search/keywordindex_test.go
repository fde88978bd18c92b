package search

import (
	"bytes"
	"context"
	"testing"

	"github.com/kapi-project/kapi/migrations/pgtest"
)

// parseTSVector reads what Postgres sends: a tsvector's binary form.
func TestParseTSVector(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	var raw []byte
	rows, err := pool.Query(context.Background(), `SELECT $1::tsvector`, `'it''s':1A,4 'back\\slash':2B,3,7C 'plain':5 'nopos'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		raw = bytes.Clone(rows.RawValues()[0])
	}
	if rows.Err() != nil || raw == nil {
		t.Fatalf("no tsvector: %v", rows.Err())
	}
	got, total, err := parseTSVector(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]fieldTF{"it's": {1, 0, 1}, `back\slash`: {0, 1, 2}, "plain": {0, 0, 1}, "nopos": {}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, term := range got {
		if tf, ok := want[term.lexeme]; !ok || tf != term.tf {
			t.Errorf("%q: got %+v, want %+v", term.lexeme, term.tf, tf)
		}
	}
	if total != 6 {
		t.Errorf("total %d positions, want 6", total)
	}
	for name, bad := range map[string][]byte{"empty": nil, "cut in a lexeme": raw[:6], "cut in positions": raw[:len(raw)-1],
		"trailing bytes": append(bytes.Clone(raw), 0)} {
		if _, _, err := parseTSVector(bad); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// The tail of a lexeme is merged at maxTailRows rows or sealPostings postings;
// what is left under sealPostings is sealed too from sealPostings/2 on.
func TestTermCountersAfter(t *testing.T) {
	tests := []struct {
		name  string
		c     termCounters
		n     int64
		want  termCounters
		merge bool
	}{
		{"new lexeme", termCounters{}, 3, termCounters{3, 0, 1}, false},
		{"tail grows", termCounters{10, 0, 2}, 3, termCounters{13, 0, 3}, false},
		{"row bound", termCounters{300, 256, 7}, 1, termCounters{301, 256, 1}, true},
		{"row bound, half a row sealed", termCounters{480, 256, 7}, 29, termCounters{509, 509, 0}, true},
		{"row bound, just under half a row", termCounters{382, 256, 7}, 1, termCounters{383, 256, 1}, true},
		{"sealed by postings", termCounters{300, 256, 3}, 250, termCounters{550, 512, 1}, true},
		{"sealed exactly", termCounters{300, 256, 3}, 212, termCounters{512, 512, 0}, true},
		{"sealed with half a row", termCounters{300, 256, 3}, 340, termCounters{640, 640, 0}, true},
		{"long rows into an empty tail", termCounters{256, 256, 0}, 300, termCounters{556, 512, 1}, false},
		{"long rows and half a row into an empty tail", termCounters{256, 256, 0}, 400, termCounters{656, 656, 0}, false},
		{"long rows into a tail", termCounters{260, 256, 1}, 600, termCounters{860, 768, 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, merge := tt.c.after(tt.n)
			if got != tt.want || merge != tt.merge {
				t.Errorf("got %+v merge %v, want %+v merge %v", got, merge, tt.want, tt.merge)
			}
		})
	}
}

// Many small batches leave every lexeme at most maxTailRows rows in its tail,
// sealed rows of sealPostings/2 to sealPostings postings, rows that chain
// posting after posting, counters that match a rebuild, and an exhaustive
// ranking.
func TestKeywordTailsStayBounded(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "tails", "english")
	all := generated(1500, 4)
	for _, n := range []int{3, 3, 3, 400, 3, 500} { // small batches, then ones over a row's 256 postings
		for range 40 {
			if len(all) >= n {
				ingest(t, eng, feed, all[:n])
				all = all[n:]
			}
		}
	}
	ctx := context.Background()
	var bad int
	err := pool.QueryRow(ctx, `
SELECT count(*) FROM (
    SELECT t.lexeme
    FROM keyword_terms t JOIN keyword_postings p ON p.feed_id = t.feed_id AND p.lexeme = t.lexeme
    WHERE t.feed_id = $1
    GROUP BY t.lexeme, t.postings, t.tail_first, t.tail_rows
    HAVING count(*) FILTER (WHERE p.first >= t.tail_first) > $3
        OR max(length(p.docs) / 8) > $2
        OR count(*) FILTER (WHERE p.first < t.tail_first AND length(p.docs) / 8 < $2 / 2) > 0
        OR sum(length(p.docs) / 8) <> t.postings
        OR count(*) FILTER (WHERE p.first >= t.tail_first) <> t.tail_rows
        OR bool_or(p.first <> (SELECT coalesce(sum(length(q.docs) / 8), 0) FROM keyword_postings q
                               WHERE q.feed_id = p.feed_id AND q.lexeme = p.lexeme AND q.first < p.first))
) x`, feed.ID, sealPostings, maxTailRows).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	if bad > 0 {
		t.Errorf("%d lexemes break the row bounds or chain", bad)
	}
	for _, q := range []string{"alpha", "alpha bravo charlie", "kilo lima mike november"} {
		assertExhaustive(t, eng, pool, []Feed{feed}, q, 40)
	}
	assertStatsMatchRebuild(t, pool, feed)
}
