package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kapi-project/kapi/search"
)

// BenchmarkTextFilters measures the two reads a GIN index on search_vector
// served until 012_no_gin.sql, now served by the keyword index, over
// KAPI_BENCH_ENTRIES entries (SciFact replicated, two feeds searched
// together, no vector index): keyword searches whose question starts with a
// quoted phrase (the first two words of each SciFact test query, then the
// rest), and list pages filtered by text (the first two words), at
// concurrency 1, reporting p50/p95/p99 in milliseconds:
//
//	KAPI_BENCH_ENTRIES=100000 go test ./bench -run '^$' -bench TextFilters -benchtime 300x -timeout 30m
func BenchmarkTextFilters(b *testing.B) {
	coll, n := benchCollection(b)
	eng, feeds := loadEngine(b, Replicate(coll.Docs, n, 1), false)
	var phrases, texts []string
	for _, id := range coll.TestQueries() {
		w := strings.Fields(coll.Queries[id])
		if len(w) < 3 {
			continue
		}
		phrases = append(phrases, fmt.Sprintf("%q %s", w[0]+" "+w[1], strings.Join(w[2:], " ")))
		texts = append(texts, w[0]+" "+w[1])
	}
	cases := []struct {
		name string
		run  func(ctx context.Context, i int) error
	}{
		{"keyword-phrase", func(ctx context.Context, i int) error {
			_, err := eng.Search(ctx, search.Query{Mode: search.ModeKeyword, Text: phrases[i%len(phrases)], Feeds: feeds, Limit: 10})
			return err
		}},
		{"list-text", func(ctx context.Context, i int) error {
			_, _, err := eng.List(ctx, search.ListQuery{Feeds: feeds, Text: texts[i%len(texts)], Limit: 10})
			return err
		}},
	}
	for _, c := range cases {
		if _, err := Measure(b.Context(), len(phrases), 1, c.run); err != nil { // warm the caches
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) { reportLatency(b, 1, c.run) })
	}
}
