package bench

import (
	"math"
	"slices"
)

// NDCG is the normalised discounted cumulative gain of a ranked list of doc
// ids cut at k, with graded judgements rels (doc id → grade; absent = 0) and
// linear gain, as BEIR reports it. A query without relevant docs scores 0.
func NDCG(ranked []string, rels map[string]int, k int) float64 {
	var dcg float64
	for i, id := range ranked[:min(k, len(ranked))] {
		dcg += float64(rels[id]) / math.Log2(float64(i+2))
	}
	grades := make([]int, 0, len(rels))
	for _, g := range rels {
		grades = append(grades, g)
	}
	slices.Sort(grades)
	slices.Reverse(grades)
	var ideal float64
	for i, g := range grades[:min(k, len(grades))] {
		ideal += float64(g) / math.Log2(float64(i+2))
	}
	if ideal == 0 {
		return 0
	}
	return dcg / ideal
}

// ReciprocalRank is 1/rank of the first relevant doc (grade > 0) within the
// first k of ranked, or 0.
func ReciprocalRank(ranked []string, rels map[string]int, k int) float64 {
	for i, id := range ranked[:min(k, len(ranked))] {
		if rels[id] > 0 {
			return 1 / float64(i+1)
		}
	}
	return 0
}
