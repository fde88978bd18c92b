package bench

import (
	"context"
	"os"
	"testing"

	"github.com/kapi-project/kapi/embed/embedtest"
	"github.com/kapi-project/kapi/migrations/pgtest"
	"github.com/kapi-project/kapi/search"
)

// TestQualitySciFact ingests SciFact (5,183 abstracts) into one english feed
// and prints nDCG@10 and MRR@10 of each mode over the 300 test queries.
// Opt-in (KAPI_BENCH_QUALITY=1): it takes about half a minute. The embedder is
// the hashed bag-of-words fake until the local model lands, so the semantic
// and hybrid numbers measure the plumbing, not a language model.
//
//	KAPI_BENCH_QUALITY=1 go test ./bench -run QualitySciFact -v
func TestQualitySciFact(t *testing.T) {
	if os.Getenv("KAPI_BENCH_QUALITY") == "" {
		t.Skip("set KAPI_BENCH_QUALITY=1 to run")
	}
	coll, err := LoadBEIR(dataDir(), "test")
	if err != nil {
		t.Fatal(err)
	}
	pool := pgtest.New(t)
	eng := search.New(pool, embedtest.New(512))
	feed := newFeed(t, pool, "scifact")
	entries := make([]search.NewEntry, len(coll.Docs))
	for i, d := range coll.Docs {
		entries[i] = search.NewEntry{ExternalID: d.ID, Title: d.Title, Content: d.Text}
	}
	for len(entries) > 0 {
		k := min(len(entries), search.MaxBatch)
		if _, err := eng.Ingest(context.Background(), feed, entries[:k]); err != nil {
			t.Fatal(err)
		}
		entries = entries[k:]
	}
	if _, err := pool.Exec(t.Context(), "ANALYZE entries"); err != nil {
		t.Fatal(err)
	}
	for _, bound := range []int{500, 1000, 10_000} {
		for _, common := range []float64{0.01, 0.02, 0.05, 1} {
			opts := search.DefaultOptions()
			opts.KeywordRowBound, opts.CommonTermFraction = bound, common
			ndcg, mrr := quality(t, eng.WithOptions(opts), coll, feed, search.ModeKeyword)
			t.Logf("keyword row bound %5d, common above %.2f: nDCG@10 %.4f  MRR@10 %.4f", bound, common, ndcg, mrr)
		}
	}
	for _, mode := range []search.Mode{search.ModeKeyword, search.ModeSemantic, search.ModeHybrid} {
		ndcg, mrr := quality(t, eng, coll, feed, mode)
		t.Logf("%-8s nDCG@10 %.4f  MRR@10 %.4f  (%d queries)", mode, ndcg, mrr, len(coll.TestQueries()))
	}
}

// quality returns the mean nDCG@10 and MRR@10 of mode over coll's test queries.
func quality(t *testing.T, eng *search.Engine, coll *Collection, feed search.Feed, mode search.Mode) (ndcg, mrr float64) {
	t.Helper()
	ids := coll.TestQueries()
	for _, qid := range ids {
		res, err := eng.Search(t.Context(), search.Query{Text: coll.Queries[qid], Mode: mode, Feeds: []search.Feed{feed}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		ranked := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ranked[i] = h.ExternalID
		}
		ndcg += NDCG(ranked, coll.Qrels[qid], 10)
		mrr += ReciprocalRank(ranked, coll.Qrels[qid], 10)
	}
	n := float64(len(ids))
	return ndcg / n, mrr / n
}
