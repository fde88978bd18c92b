package search

import (
	"bytes"
	"cmp"
	"math"
	"slices"

	"github.com/google/uuid"
)

// fuse merges the keyword and semantic candidate lists (each best first) into
// one list by fusion f, the keyword leg weighing 1 − w and the semantic leg w:
//
//   - FusionRRF, weighted Reciprocal Rank Fusion: an entry at 1-based rank r
//     in a leg adds weight/(rrfK + r) to its fused score;
//   - FusionRelative, relative-score fusion: each leg's scores are min-max
//     normalised over its best normDepth candidates (best 1, the normDepth-th
//     0; all 1 when they are equal; 0 means all candidates), deeper
//     candidates continuing the same scale below 0, and an entry adds
//     weight × normalised score. An entry a leg did not return scores there
//     as that leg's last candidate (its true score is at most that one's),
//     or 0 when that is higher.
//
// An entry returned only by a leg of weight 0 is left out, so w = 0 ranks
// exactly like keyword and w = 1 like semantic. The
// hits come best first, ties broken by keyword rank, then semantic rank, then
// entry id (byte order), so the order is
// total and the same lists always fuse to the same order: pages cut from it
// never overlap or skip. Each hit records its rank and score in every leg that
// returned it.
func fuse(keyword, semantic []candidate, f Fusion, w float64, normDepth int) []Hit {
	byID := make(map[uuid.UUID]*Hit, len(keyword)+len(semantic))
	var order []*Hit
	weighted := map[uuid.UUID]bool{} // returned by a leg of positive weight
	// add folds one leg in and returns what an entry it did not return gets
	// from it (relative fusion).
	add := func(leg []candidate, weight float64, slot func(*Hit) **LegScore) float64 {
		contrib := legContributions(leg, f, normDepth)
		for i, c := range leg {
			h, ok := byID[c.id]
			if !ok {
				h = &Hit{Entry: Entry{ID: c.id, FeedID: c.feedID}}
				byID[c.id] = h
				order = append(order, h)
			}
			*slot(h) = &LegScore{Rank: i + 1, Score: c.score}
			h.Fused += weight * contrib[i]
			weighted[c.id] = weighted[c.id] || weight > 0
		}
		return weight * missingContribution(contrib)
	}
	noKeyword := add(keyword, 1-w, func(h *Hit) **LegScore { return &h.Keyword })
	noSemantic := add(semantic, w, func(h *Hit) **LegScore { return &h.Semantic })
	if f == FusionRelative {
		for _, h := range order {
			if h.Keyword == nil {
				h.Fused += noKeyword
			}
			if h.Semantic == nil {
				h.Fused += noSemantic
			}
		}
	}
	out := make([]Hit, 0, len(order))
	for _, h := range order {
		if weighted[h.ID] {
			h.RawScore = h.Fused
			out = append(out, *h)
		}
	}
	slices.SortFunc(out, func(a, b Hit) int {
		if c := cmp.Compare(b.Fused, a.Fused); c != 0 {
			return c
		}
		if c := cmp.Compare(rankOf(a.Keyword), rankOf(b.Keyword)); c != 0 {
			return c
		}
		if c := cmp.Compare(rankOf(a.Semantic), rankOf(b.Semantic)); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	return out
}

// rankOf is a leg rank for ordering ties, past every rank when absent.
func rankOf(l *LegScore) int {
	if l == nil {
		return math.MaxInt
	}
	return l.Rank
}

// missingContribution is what an entry missing from a leg of relative
// contributions contrib gets: the last candidate's, never above 0 (a leg of
// equal scores gives its candidates 1, and one that returned fewer rows than
// asked holds every entry that matches at all); 0 for an empty leg.
func missingContribution(contrib []float64) float64 {
	if len(contrib) == 0 {
		return 0
	}
	return min(0, contrib[len(contrib)-1])
}

// legContributions is what each candidate of a leg adds to its fused score
// before the leg's weight: 1/(rrfK + rank), or its score min-max normalised
// over the best normDepth candidates (0: all).
func legContributions(leg []candidate, f Fusion, normDepth int) []float64 {
	out := make([]float64, len(leg))
	if f != FusionRelative {
		for i := range leg {
			out[i] = 1 / float64(rrfK+i+1)
		}
		return out
	}
	if len(leg) == 0 {
		return out
	}
	lo, hi := leg[0].score, leg[0].score
	if normDepth <= 0 || normDepth > len(leg) {
		normDepth = len(leg)
	}
	for _, c := range leg[:normDepth] {
		lo, hi = min(lo, c.score), max(hi, c.score)
	}
	for i, c := range leg {
		switch {
		case hi > lo:
			out[i] = (c.score - lo) / (hi - lo)
		case c.score >= lo:
			out[i] = 1
		default: // under equal normalising scores
			out[i] = 0
		}
	}
	return out
}
