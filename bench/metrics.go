package bench

import (
	"math"
	"slices"
)

// The ranking metrics, following trec_eval and BEIR (pytrec_eval). Each takes
// a ranked list of doc ids, best first, exactly as the engine returned it (no
// re-sorting by score: the order is what an API user sees), and the query's
// judgements rels (doc id → grade; a doc absent from rels has grade 0). A doc
// is relevant when its grade is > 0; negative grades count as 0. A doc id
// repeated in ranked counts at its first position only.
//
// A query with no relevant doc has no defined score; Judged reports it, and
// the caller leaves it out of the means, as trec_eval and BEIR do.

// Judged reports whether rels holds at least one relevant doc (grade > 0).
func Judged(rels map[string]int) bool {
	for _, g := range rels {
		if g > 0 {
			return true
		}
	}
	return false
}

// NDCG is the normalised discounted cumulative gain of ranked cut at k:
// DCG@k = Σ_{i=1..k} grade(doc_i) / log2(i+1) (linear gain, as trec_eval's
// ndcg_cut and BEIR), divided by the DCG@k of the ideal ranking: every judged
// doc sorted by grade, highest first. A query without relevant docs scores 0
// (see Judged).
func NDCG(ranked []string, rels map[string]int, k int) float64 {
	var dcg float64
	for i, id := range firstK(ranked, k) {
		dcg += gain(rels[id]) / math.Log2(float64(i+2))
	}
	grades := make([]float64, 0, len(rels))
	for _, g := range rels {
		if g > 0 {
			grades = append(grades, gain(g))
		}
	}
	slices.Sort(grades)
	slices.Reverse(grades)
	var ideal float64
	for i, g := range grades[:min(k, len(grades))] {
		ideal += g / math.Log2(float64(i+2))
	}
	if ideal == 0 {
		return 0
	}
	return dcg / ideal
}

// Recall is the fraction of the relevant docs found in the first k of
// ranked: |relevant ∩ top k| / |relevant|, or 0 without relevant docs.
func Recall(ranked []string, rels map[string]int, k int) float64 {
	relevant := 0
	for _, g := range rels {
		if g > 0 {
			relevant++
		}
	}
	if relevant == 0 {
		return 0
	}
	found := 0
	for _, id := range firstK(ranked, k) {
		if rels[id] > 0 {
			found++
		}
	}
	return float64(found) / float64(relevant)
}

// ReciprocalRank is 1/rank of the first relevant doc within the first k of
// ranked, or 0 when there is none (MRR@k is its mean over the queries).
func ReciprocalRank(ranked []string, rels map[string]int, k int) float64 {
	if r := FirstRelevant(ranked, rels, k); r > 0 {
		return 1 / float64(r)
	}
	return 0
}

// FirstRelevant is the 1-based rank of the first relevant doc within the
// first k of ranked, or 0 when there is none.
func FirstRelevant(ranked []string, rels map[string]int, k int) int {
	for i, id := range firstK(ranked, k) {
		if rels[id] > 0 {
			return i + 1
		}
	}
	return 0
}

// firstK returns the first k distinct ids of ranked, in order.
func firstK(ranked []string, k int) []string {
	seen := make(map[string]bool, min(k, len(ranked)))
	out := make([]string, 0, min(k, len(ranked)))
	for _, id := range ranked {
		if len(out) == k {
			break
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func gain(grade int) float64 { return float64(max(grade, 0)) }
