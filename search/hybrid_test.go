package search

import (
	"bytes"
	"errors"
	"math"
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
	if want := 1.0 / (rrfK + 1); top.Fused != want || top.RawScore != want { // 0.5/(k+1) from each leg
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
		// A fused tie goes to the better keyword rank, then semantic rank,
		// then the smaller id (rrf.go); only a tie in all three is by id.
		if i > 0 && sameFusedAndRanks(want[i-1], h) && bytes.Compare(want[i-1].ID[:], h.ID[:]) > 0 {
			t.Errorf("tie at %d not broken by id", i)
		}
	}
	if len(feeds) != 2 {
		t.Errorf("hits from %d feeds, want both", len(feeds))
	}
}

func sameFusedAndRanks(a, b Hit) bool {
	return a.Fused == b.Fused && rankOf(a.Keyword) == rankOf(b.Keyword) && rankOf(a.Semantic) == rankOf(b.Semantic)
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
	hits := fuse(kw, sem, FusionRRF, 0.5, 0)
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

// scoredCandidate is a candidate of entry id …b in feed …1 with score.
func scoredCandidate(b byte, score float64) candidate {
	var c candidate
	c.id[15], c.feedID[0], c.score = b, 1, score
	return c
}

func TestFuseWeightsAndRelative(t *testing.T) {
	t.Parallel()
	c := scoredCandidate
	kw := []candidate{c(1, 9), c(2, 5), c(3, 1)}
	sem := []candidate{c(4, 0.9), c(3, 0.8), c(2, 0.1)}
	ids := func(hits []Hit) []byte {
		var out []byte
		for _, h := range hits {
			out = append(out, h.ID[15])
		}
		return out
	}
	tests := []struct {
		name   string
		fusion Fusion
		w      float64
		want   []byte
	}{
		{"rrf weight 0 is the keyword order", FusionRRF, 0, []byte{1, 2, 3}},
		{"rrf weight 1 is the semantic order", FusionRRF, 1, []byte{4, 3, 2}},
		{"relative weight 0 is the keyword order", FusionRelative, 0, []byte{1, 2, 3}},
		{"relative weight 1 is the semantic order", FusionRelative, 1, []byte{4, 3, 2}},
		// keyword normalised 1, .5, 0; semantic 1, .875, 0:
		// 1: .6, 2: .3, 3: .35, 4: .4
		{"relative 0.4", FusionRelative, 0.4, []byte{1, 4, 3, 2}},
	}
	for _, tt := range tests {
		if got := ids(fuse(kw, sem, tt.fusion, tt.w, 0)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	hits := fuse(kw, sem, FusionRelative, 0.4, 0)
	if h := hits[0]; h.Fused != 0.6 || h.RawScore != 0.6 || h.Keyword.Score != 9 || h.Semantic != nil {
		t.Errorf("top hit %+v: want fused 0.6, keyword score 9, no semantic leg", h)
	}
}

// TestFuseNormalizeDepth: relative fusion normalises over the best
// normDepth candidates of each leg, deeper ones continue the scale below 0,
// and an entry missing from a leg scores as that leg's last candidate, at
// most 0.
func TestFuseNormalizeDepth(t *testing.T) {
	t.Parallel()
	c := scoredCandidate
	kw := []candidate{c(1, 9), c(2, 5), c(3, 1)}        // over 9..5: 1, 0, -1
	sem := []candidate{c(4, 0.9), c(3, 0.8), c(2, 0.1)} // over .9..8: 1, 0, -7
	hits := fuse(kw, sem, FusionRelative, 0.5, 2)
	// 1: .5×1 + .5×(-7, semantic's last) = -3; 2: .5×0 + .5×(-7) = -3.5;
	// 3: .5×(-1) + .5×0 = -0.5; 4: .5×(-1, keyword's last) + .5×1 = 0.
	want := map[byte]float64{4: 0, 3: -0.5, 1: -3, 2: -3.5}
	var order []byte
	for _, h := range hits {
		order = append(order, h.ID[15])
		if math.Abs(h.Fused-want[h.ID[15]]) > 1e-9 {
			t.Errorf("entry %d fused %v, want %v", h.ID[15], h.Fused, want[h.ID[15]])
		}
	}
	if !slices.Equal(order, []byte{4, 3, 1, 2}) {
		t.Errorf("order %v, want [4 3 1 2]", order)
	}
	for w, want := range map[float64][]byte{0: {1, 2, 3}, 1: {4, 3, 2}} {
		var got []byte
		for _, h := range fuse(kw, sem, FusionRelative, w, 2) {
			got = append(got, h.ID[15])
		}
		if !slices.Equal(got, want) {
			t.Errorf("weight %v: order %v, want %v", w, got, want)
		}
	}
	// A leg of one candidate (it scores 1): entries it did not return get 0
	// from it, not 1, so the keyword match stays first.
	one := fuse([]candidate{c(5, 3)}, sem, FusionRelative, 0.2, 0)
	if one[0].ID[15] != 5 || one[1].Fused != 0.2 {
		t.Errorf("single keyword candidate: first %d, second fused %v; want 5, 0.2", one[0].ID[15], one[1].Fused)
	}
	// Equal normalising scores: those at the top score 1, deeper ones 0.
	if got := legContributions([]candidate{c(1, 2), c(2, 2), c(3, 1)}, FusionRelative, 2); !slices.Equal(got, []float64{1, 1, 0}) {
		t.Errorf("equal top scores: %v, want [1 1 0]", got)
	}
}

func TestHybridRejectsBadFusion(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "f", "english")
	bad := 1.5
	for _, q := range []Query{
		{Text: "x", Mode: ModeHybrid, Fusion: "max", Feeds: []Feed{feed}, Limit: 1},
		{Text: "x", Mode: ModeHybrid, SemanticWeight: &bad, Feeds: []Feed{feed}, Limit: 1},
	} {
		if _, err := eng.Search(t.Context(), q); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("%+v: err %v, want ErrInvalidQuery", q, err)
		}
	}
}
