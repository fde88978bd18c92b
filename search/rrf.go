package search

import (
	"bytes"
	"cmp"
	"slices"

	"github.com/google/uuid"
)

// fuse merges the keyword and semantic candidate lists (each best first) by
// Reciprocal Rank Fusion: an entry at 1-based rank r in a leg adds
// 1/(rrfK + r) to its fused score. The hits come best first, ties broken by
// entry id (byte order), so the order is total and the same lists always fuse
// to the same order: pages cut from it never overlap or skip. Each hit records
// its rank and score in every leg that returned it.
func fuse(keyword, semantic []candidate) []Hit {
	byID := make(map[uuid.UUID]*Hit, len(keyword)+len(semantic))
	var order []*Hit
	add := func(c candidate, rank int, leg func(*Hit) **LegScore) {
		h, ok := byID[c.id]
		if !ok {
			h = &Hit{Entry: Entry{ID: c.id, FeedID: c.feedID}}
			byID[c.id] = h
			order = append(order, h)
		}
		*leg(h) = &LegScore{Rank: rank, Score: c.score}
		h.Fused += 1 / float64(rrfK+rank)
	}
	for i, c := range keyword {
		add(c, i+1, func(h *Hit) **LegScore { return &h.Keyword })
	}
	for i, c := range semantic {
		add(c, i+1, func(h *Hit) **LegScore { return &h.Semantic })
	}
	out := make([]Hit, len(order))
	for i, h := range order {
		h.RawScore = h.Fused
		out[i] = *h
	}
	slices.SortFunc(out, func(a, b Hit) int {
		if c := cmp.Compare(b.Fused, a.Fused); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	return out
}
