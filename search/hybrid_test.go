package search

import (
	"bytes"
	"slices"
	"testing"
)

func TestHybridFusesBothLegs(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "health", "english")
	ingest(t, eng, feed, healthCorpus())

	res := mustSearch(t, eng, Query{Text: "stroke recovery therapy", Mode: ModeHybrid, Feeds: []Feed{feed}, Limit: 10})
	if res.Degraded {
		t.Error("degraded with the embedder up")
	}
	if len(res.Hits) == 0 || res.Hits[0].ExternalID != "stroke" {
		t.Fatalf("got %q, want stroke first", externalIDs(res.Hits))
	}
	top := res.Hits[0]
	if top.Keyword == nil || top.Semantic == nil || top.Keyword.Rank != 1 || top.Semantic.Rank != 1 {
		t.Fatalf("top hit legs: keyword %+v semantic %+v, want rank 1 in both", top.Keyword, top.Semantic)
	}
	if want := 2.0 / (rrfK + 1); top.Fused != want || top.RawScore != want {
		t.Errorf("fused %v raw %v, want %v", top.Fused, top.RawScore, want)
	}
	for i, h := range res.Hits[1:] {
		if h.Keyword == nil && h.Semantic == nil {
			t.Errorf("hit %s carries no leg", h.ExternalID)
		}
		if h.Fused > res.Hits[i].Fused {
			t.Errorf("hit %s fused %v above the previous %v", h.ExternalID, h.Fused, res.Hits[i].Fused)
		}
	}
}

func TestHybridDegradesToKeywordWhenEmbedderIsDown(t *testing.T) {
	t.Parallel()
	eng, pool, emb := testEngine(t)
	feed := newFeed(t, pool, "health", "english")
	ingest(t, eng, feed, healthCorpus())
	keyword := mustSearch(t, eng, Query{Text: "heart health", Feeds: []Feed{feed}, Limit: 10})

	emb.SetDown(true)
	res := mustSearch(t, eng, Query{Text: "heart health", Mode: ModeHybrid, Feeds: []Feed{feed}, Limit: 10})
	if !res.Degraded {
		t.Error("Degraded = false, want true")
	}
	if got, want := externalIDs(res.Hits), externalIDs(keyword.Hits); !slices.Equal(got, want) || len(got) == 0 {
		t.Errorf("got %q, want the keyword order %q", got, want)
	}
	for _, h := range res.Hits {
		if h.Semantic != nil || h.Keyword == nil || h.Fused != 1/float64(rrfK+h.Keyword.Rank) {
			t.Errorf("hit %s: keyword %+v semantic %+v fused %v", h.ExternalID, h.Keyword, h.Semantic, h.Fused)
		}
	}
}

// Pages 1-3 of limit 5 are exactly one page of limit 15: no duplicate, no gap.
func TestHybridPaginationIsStable(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	a := newFeed(t, pool, "a", "simple")
	b := newFeed(t, pool, "b", "english")
	corpus := generated(120, 3)
	ingest(t, eng, a, corpus[:60])
	ingest(t, eng, b, corpus[60:])
	q := Query{Text: "alpha bravo kilo zulu", Mode: ModeHybrid, Feeds: []Feed{a, b}}

	q.Limit = 15
	want := mustSearch(t, eng, q).Hits
	if len(want) != 15 {
		t.Fatalf("one page of 15: got %d hits", len(want))
	}
	var got []Hit
	q.Limit = 5
	for q.Offset = 0; q.Offset < 15; q.Offset += 5 {
		got = append(got, mustSearch(t, eng, q).Hits...)
	}
	if g, w := externalIDs(got), externalIDs(want); !slices.Equal(g, w) {
		t.Errorf("pages 1-3 of 5:\n got %q\nwant %q", g, w)
	}
	feeds := map[string]bool{}
	for i, h := range want {
		feeds[h.FeedID.String()] = true
		if i > 0 && h.Fused == want[i-1].Fused && bytes.Compare(want[i-1].ID[:], h.ID[:]) > 0 {
			t.Errorf("tie at %d not broken by id", i)
		}
	}
	if len(feeds) != 2 {
		t.Errorf("hits from %d feeds, want both", len(feeds))
	}
}

func TestFuse(t *testing.T) {
	t.Parallel()
	id := func(b byte) candidate {
		var c candidate
		c.id[15], c.feedID[0] = b, 1
		return c
	}
	kw := []candidate{id(1), id(2), id(3)}
	sem := []candidate{id(3), id(4)}
	hits := fuse(kw, sem)
	var order []byte
	for _, h := range hits {
		order = append(order, h.ID[15])
	}
	// 3: 1/63 + 1/61; 1: 1/61; then 2 (keyword rank 2) and 4 (semantic rank 2)
	// tie at 1/62, broken by id.
	if want := []byte{3, 1, 2, 4}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	if hits[0].Keyword.Rank != 3 || hits[0].Semantic.Rank != 1 {
		t.Errorf("entry 3 ranks: keyword %+v semantic %+v", hits[0].Keyword, hits[0].Semantic)
	}
}
