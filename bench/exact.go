package bench

import (
	"context"
	"math"

	"github.com/kapi-project/kapi/search"
)

// KeywordExact counts the questions whose keyword top 10 is identical to a
// second, exhaustive BM25 computed from the entries alone
// (search.Engine.NewReference): the same scores in the same order, and the
// same entries wherever the scores are not tied. Errors: the first failed
// search.
func KeywordExact(ctx context.Context, eng *search.Engine, feeds []search.Feed, questions []string) (identical int, err error) {
	ref, err := eng.NewReference(ctx, feeds, questions)
	if err != nil {
		return 0, err
	}
	for _, text := range questions {
		gotDocs, gotScores, err := eng.KeywordTop(ctx, search.Query{Text: text, Feeds: feeds}, 10)
		if err != nil {
			return identical, err
		}
		wantDocs, wantScores := ref.Top(text, 10)
		if sameTop(gotDocs, gotScores, wantDocs, wantScores) {
			identical++
		}
	}
	return identical, nil
}

// sameTop compares two ranked lists: equal scores (to 1e-9, relative), and
// equal entries except among tied scores.
func sameTop(gotDocs []int64, gotScores []float64, wantDocs []int64, wantScores []float64) bool {
	if len(gotDocs) != len(wantDocs) {
		return false
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	for i := range gotDocs {
		if !near(gotScores[i], wantScores[i]) {
			return false
		}
		tied := (i > 0 && near(wantScores[i-1], wantScores[i])) || (i+1 < len(wantScores) && near(wantScores[i+1], wantScores[i]))
		if !tied && gotDocs[i] != wantDocs[i] {
			return false
		}
	}
	return true
}
