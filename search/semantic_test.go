package search

import (
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/embed"
)

func TestSemanticSearch(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "health", "english")
	other := newFeed(t, pool, "other", "english")
	ingest(t, eng, feed, healthCorpus())
	ingest(t, eng, other, []NewEntry{{ExternalID: "other-stroke", Title: "Stroke recovery", Content: "Physical therapy after a stroke."}})

	tests := []struct {
		name  string
		q     Query
		first string
		not   []string
	}{
		{name: "nearest first", q: Query{Text: "patients recover from stroke with physical therapy"}, first: "stroke"},
		{name: "categories", q: Query{Text: "patients recover from stroke", Categories: []string{"fitness"}}, first: "exercise", not: []string{"stroke"}},
		{name: "confidence_min", q: Query{Text: "patients recover from stroke", ConfidenceMin: 0.7}, not: []string{"stroke"}},
		{name: "allowed categories", q: Query{Text: "patients recover from stroke", AllowedCategories: []string{"general"}}, first: "sleep", not: []string{"stroke"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Mode, tt.q.Feeds, tt.q.Limit = ModeSemantic, []Feed{feed}, 10
			res := mustSearch(t, eng, tt.q)
			got := externalIDs(res.Hits)
			if len(got) == 0 || (tt.first != "" && got[0] != tt.first) {
				t.Fatalf("got %q, want %s first", got, tt.first)
			}
			for _, id := range tt.not {
				if slices.Contains(got, id) {
					t.Errorf("got %q, want no %s", got, id)
				}
			}
			for i, h := range res.Hits {
				if h.FeedID != feed.ID {
					t.Errorf("hit %s from feed %s, want only the queried feed", h.ExternalID, h.FeedID)
				}
				if h.Semantic == nil || h.Semantic.Rank != i+1 || h.RawScore != h.Semantic.Score || h.Keyword != nil {
					t.Errorf("hit %d: scores %+v %+v raw %v", i, h.Semantic, h.Keyword, h.RawScore)
				}
				if i > 0 && h.RawScore > res.Hits[i-1].RawScore {
					t.Errorf("hit %d: similarity %v above the previous %v", i, h.RawScore, res.Hits[i-1].RawScore)
				}
			}
		})
	}
}

func TestSemanticComparesOnlyTheActiveModel(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "health", "english")
	ingest(t, eng, feed, healthCorpus())
	if _, err := pool.Exec(t.Context(), `UPDATE passages SET model = 'old@64' WHERE feed_id = $1
		AND entry_id = (SELECT id FROM entries WHERE feed_id = $1 AND external_id = 'stroke')`, feed.ID); err != nil {
		t.Fatal(err)
	}
	res := mustSearch(t, eng, Query{Text: "stroke recovery", Mode: ModeSemantic, Feeds: []Feed{feed}, Limit: 10})
	if got := externalIDs(res.Hits); len(got) != 5 || slices.Contains(got, "stroke") {
		t.Errorf("got %q, want the 5 entries of the active model", got)
	}
}

func TestSemanticUnavailable(t *testing.T) {
	t.Parallel()
	eng, pool, emb := testEngine(t)
	feed := newFeed(t, pool, "health", "english")
	ingest(t, eng, feed, healthCorpus())
	emb.SetDown(true)
	_, err := eng.Search(t.Context(), Query{Text: "heart", Mode: ModeSemantic, Feeds: []Feed{feed}, Limit: 5})
	if !errors.Is(err, embed.ErrUnavailable) {
		t.Fatalf("got %v, want embed.ErrUnavailable", err)
	}
}

// 2,000 entries, 2% of them in category "rare" with confidence 1: a filtered
// semantic query returns a full page, through the exact scan our threshold
// picks and through the HNSW index (iterative scan) when the planner is made to
// use it, and every path returns the same nearest rows in order.
func TestSemanticFilteredSearchFillsThePage(t *testing.T) {
	t.Parallel()
	eng, pool, emb := testEngine(t)
	feed := newFeed(t, pool, "gen", "simple")
	ingest(t, eng, feed, generated(2000, 7))
	opts := DefaultOptions()
	opts.EFSearch, opts.ExactScanMax = 10, 0
	indexOnly := New(indexOnlyPool(t, pool), emb).WithOptions(opts)

	by := map[string]Query{
		"category":   {Categories: []string{"rare"}},
		"confidence": {ConfidenceMin: 0.9},
	}
	for filterName, f := range by {
		q := f
		q.Text, q.Mode, q.Feeds, q.Limit = "alpha tango zulu cedar", ModeSemantic, []Feed{feed}, 20
		want := externalIDs(mustSearch(t, eng, q).Hits)
		for name, e := range map[string]*Engine{"default": eng, "hnsw": indexOnly} {
			t.Run(filterName+"/"+name, func(t *testing.T) {
				res := mustSearch(t, e, q)
				if len(res.Hits) != q.Limit {
					t.Fatalf("got %d hits, want a full page of %d", len(res.Hits), q.Limit)
				}
				for i, h := range res.Hits {
					if h.Category != "rare" {
						t.Errorf("hit %s in category %s", h.ExternalID, h.Category)
					}
					if i > 0 && h.RawScore > res.Hits[i-1].RawScore {
						t.Errorf("hit %d out of order: %v > %v", i, h.RawScore, res.Hits[i-1].RawScore)
					}
				}
				if got := externalIDs(res.Hits); !slices.Equal(got[:10], want[:10]) {
					t.Errorf("top 10: got %q, exact %q", got[:10], want[:10])
				}
			})
		}
	}
}

// indexOnlyPool opens a second pool on pool's database whose sessions cannot
// sort or scan sequentially, so the planner orders by the HNSW index even for
// a small table (ef_search 10 and a 2% filter: only the iterative scan can fill
// a page of 20).
func indexOnlyPool(t *testing.T, pool *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	cfg := pool.Config().Copy()
	cfg.ConnConfig.RuntimeParams["enable_seqscan"] = "off"
	cfg.ConnConfig.RuntimeParams["enable_sort"] = "off"
	cfg.ConnConfig.RuntimeParams["enable_bitmapscan"] = "off"
	p, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}
