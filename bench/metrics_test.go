package bench

import (
	"math"
	"testing"
)

// The expected values are computed by hand from the definitions in
// metrics.go; e.g. the graded case: DCG@10 = 0 + 2/log2(3) + 1/log2(4) =
// 1.76186, ideal (3, 2, 1) = 3 + 2/log2(3) + 1/log2(4) = 4.76186.
func TestMetrics(t *testing.T) {
	graded := map[string]int{"b": 2, "c": 1, "x": 3}
	tests := []struct {
		name             string
		ranked           []string
		rels             map[string]int
		k                int
		ndcg, recall, rr float64
		first            int
	}{
		{"graded", []string{"a", "b", "c", "d"}, graded, 10, 0.369994013, 2.0 / 3, 0.5, 2},
		{"graded cut at 2", []string{"a", "b", "c", "d"}, graded, 2, 0.296081911, 1.0 / 3, 0.5, 2},
		{"cut before the first relevant", []string{"a", "b"}, graded, 1, 0, 0, 0, 0},
		{"perfect", []string{"x", "b", "c"}, graded, 10, 1, 1, 1, 1},
		{"tied grades in any order are ideal", []string{"c", "a", "b"}, map[string]int{"a": 1, "b": 1, "c": 1}, 10, 1, 1, 1, 1},
		{"repeated id counts once", []string{"b", "b", "a"}, map[string]int{"a": 1}, 10, 0.630929754, 1, 0.5, 2},
		{"negative grade is not relevant", []string{"a", "b"}, map[string]int{"a": -1, "b": 1}, 10, 0.630929754, 1, 0.5, 2},
		{"no relevant docs", []string{"a", "b"}, map[string]int{"a": 0}, 10, 0, 0, 0, 0},
		{"empty ranking", nil, graded, 10, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(metric string, got, want float64) {
				t.Helper()
				if math.Abs(got-want) > 1e-9 {
					t.Errorf("%s = %.9f, want %.9f", metric, got, want)
				}
			}
			check("NDCG", NDCG(tt.ranked, tt.rels, tt.k), tt.ndcg)
			check("Recall", Recall(tt.ranked, tt.rels, tt.k), tt.recall)
			check("ReciprocalRank", ReciprocalRank(tt.ranked, tt.rels, tt.k), tt.rr)
			if got := FirstRelevant(tt.ranked, tt.rels, tt.k); got != tt.first {
				t.Errorf("FirstRelevant = %d, want %d", got, tt.first)
			}
		})
	}
}

func TestJudged(t *testing.T) {
	for _, tt := range []struct {
		rels map[string]int
		want bool
	}{
		{nil, false},
		{map[string]int{"a": 0, "b": -1}, false},
		{map[string]int{"a": 0, "b": 2}, true},
	} {
		if got := Judged(tt.rels); got != tt.want {
			t.Errorf("Judged(%v) = %v, want %v", tt.rels, got, tt.want)
		}
	}
}

// TestMeanSkipsUnjudgedQueries: a query without relevant docs is left out of
// the means (trec_eval, BEIR), not averaged in as a zero.
func TestMeanSkipsUnjudgedQueries(t *testing.T) {
	s := summariseQueries([]QueryResult{
		{ID: "1", Judged: true, NDCG10: 1, Recall100: 1, RR10: 1},
		{ID: "2", Judged: true, NDCG10: 0.5, Recall100: 0, RR10: 0.5},
		{ID: "3", Judged: false},
	})
	if s.Queries != 2 || s.NDCG10 != 0.75 || s.Recall100 != 0.5 || s.MRR10 != 0.75 {
		t.Errorf("got %+v, want 2 queries, nDCG@10 0.75, Recall@100 0.5, MRR@10 0.75", s)
	}
}

func TestSameTop(t *testing.T) {
	if !sameTop([]int64{1, 2, 3}, []float64{3, 2, 2}, []int64{1, 3, 2}, []float64{3, 2, 2}) {
		t.Error("tied entries in another order: want the same top")
	}
	if sameTop([]int64{2, 1}, []float64{3, 2}, []int64{1, 2}, []float64{3, 2}) {
		t.Error("untied entries swapped: want different")
	}
	if sameTop([]int64{1}, []float64{3}, []int64{1}, []float64{3.1}) {
		t.Error("different scores: want different")
	}
	if sameTop([]int64{1}, []float64{3}, []int64{1, 2}, []float64{3, 1}) {
		t.Error("different lengths: want different")
	}
}
