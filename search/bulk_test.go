package search

import (
	"context"
	"errors"
	"testing"
)

// TestWithoutVectorIndex: the load runs without the index, which comes back
// with the migrations' definition; a failed load leaves it dropped.
func TestWithoutVectorIndex(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "bulk", "english")
	def := func() *string {
		var d *string
		if err := pool.QueryRow(t.Context(), indexDefSQL, vectorIndex).Scan(&d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := def()
	err := eng.WithoutVectorIndex(t.Context(), true, func(ctx context.Context) error {
		if def() != nil {
			t.Error("the index exists during the load")
		}
		_, err := eng.Ingest(ctx, feed, healthCorpus())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := def(); before == nil || after == nil || *after != *before {
		t.Fatalf("index definition: before %v, after %v; want the same", before, after)
	}
	mustSearch(t, eng, Query{Text: "heart", Mode: ModeSemantic, Feeds: []Feed{feed}, Limit: 3})
	failed := errors.New("load failed")
	if err := eng.WithoutVectorIndex(t.Context(), true, func(context.Context) error { return failed }); !errors.Is(err, failed) {
		t.Errorf("failed load: got %v, want its error", err)
	}

}

// Without rebuild, the index stays dropped after the load.
func TestWithoutVectorIndexNoRebuild(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	if err := eng.WithoutVectorIndex(t.Context(), false, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var d *string
	if err := pool.QueryRow(t.Context(), indexDefSQL, vectorIndex).Scan(&d); err != nil {
		t.Fatal(err)
	}
	if d != nil {
		t.Error("the index was built again without rebuild")
	}
}
