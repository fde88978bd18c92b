package search

import (
	"context"
	"math"
	"testing"
)

// A reader's cached posting lists follow what another instance writes: new
// entries appended to cached lists, rewritten entries (dead postings), and a
// rebuild that writes every list anew. Each time, the reader's hits are an
// exhaustive BM25's, and equal to those of a reader without a cache.
func TestPostingCacheFollowsOtherWriters(t *testing.T) {
	t.Parallel()
	reader, pool, emb := testEngine(t)
	writer, uncached := New(pool, emb), reader.WithOptions(withoutPostingCache())
	feed := newFeed(t, pool, "cached", "english")
	ingest(t, writer, feed, generated(400, 1))
	queries := []string{"alpha", "alpha bravo charlie", "zulu amber basil cedar dahlia echo"}
	check := func(stage string) {
		t.Helper()
		for _, q := range queries {
			t.Run(stage+"/"+q, func(t *testing.T) {
				assertExhaustive(t, reader, pool, []Feed{feed}, q, 30)
				got := mustSearch(t, reader, Query{Text: q, Feeds: []Feed{feed}, Limit: 30})
				want := mustSearch(t, uncached, Query{Text: q, Feeds: []Feed{feed}, Limit: 30})
				if !sameRanking(got.Hits, want.Hits) {
					t.Errorf("cached %q, uncached %q", externalIDs(got.Hits), externalIDs(want.Hits))
				}
			})
		}
	}
	check("fresh")
	if reader.postings.used == 0 {
		t.Fatal("the reader cached no posting list")
	}
	ingest(t, writer, feed, generated(900, 2)[400:]) // new external ids: appended postings
	check("appended")
	ingest(t, writer, feed, generated(400, 3)[:150]) // same ids, new words: dead postings
	check("rewritten")
	if _, err := writer.RebuildKeyword(context.Background(), feed.ID); err != nil {
		t.Fatal(err)
	}
	check("rebuilt")
}

// sameRanking: the same hits with the same scores, in the same order but for
// ties (scores equal within float noise: the cache may sum a hit's terms in
// another order), as assertExhaustive allows.
func sameRanking(got, want []Hit) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if math.Abs(got[i].RawScore-want[i].RawScore) > 1e-9*max(1, want[i].RawScore) {
			return false
		}
	}
	return tiesOnly(got, want)
}

// tiesOnly reports whether got and want differ only in the order of tied hits.
func tiesOnly(got, want []Hit) bool {
	for i := range got {
		tied := (i > 0 && math.Abs(want[i-1].RawScore-want[i].RawScore) < 1e-9) ||
			(i+1 < len(want) && math.Abs(want[i+1].RawScore-want[i].RawScore) < 1e-9)
		if !tied && got[i].ExternalID != want[i].ExternalID {
			return false
		}
	}
	return true
}

func withoutPostingCache() Options {
	o := DefaultOptions()
	o.PostingCacheBytes = 0
	return o
}

// The cache keeps to its budget, dropping the least recently used lists.
func TestPostingCacheBudget(t *testing.T) {
	list := func(n int) *postings { return &postings{docs: make([]int64, n), packed: make([]int64, n)} }
	k := func(s string) postingKey { return postingKey{lexeme: s} }
	c := newPostingCache(list(10).bytes() * 2)
	c.put(k("a"), list(10))
	c.put(k("b"), list(10))
	if c.get(k("a")) == nil { // a is now the most recently used
		t.Fatal("a was dropped within the budget")
	}
	c.put(k("c"), list(10))
	if c.get(k("b")) != nil || c.get(k("a")) == nil || c.get(k("c")) == nil {
		t.Errorf("after a third list: want b dropped, a and c kept")
	}
	if c.used > c.budget {
		t.Errorf("used %d bytes of %d", c.used, c.budget)
	}
	c.put(k("huge"), list(1000))
	if c.get(k("huge")) != nil {
		t.Error("a list larger than the budget was cached")
	}
	if newPostingCache(0) != nil {
		t.Error("a zero budget made a cache")
	}
}
