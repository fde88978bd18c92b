package search

import (
	"context"
	"errors"
	"testing"

	"github.com/kapi-project/kapi/embed"
)

func TestIngestCreatesUpdatesAndSkipsUnchanged(t *testing.T) {
	t.Parallel()
	eng, pool, emb := testEngine(t)
	ctx := context.Background()
	feed := newFeed(t, pool, "ingest", "english")
	batch := []NewEntry{
		{ExternalID: "a", Title: "Heart health", Content: "Walking daily helps the heart.", Category: "Heart Disease", Tags: []string{"cardio", "Cardio", " walking "}},
		{ExternalID: "b", Title: "Sleep", Content: "Adults need seven hours.", Confidence: new(0.5), Metadata: []byte(`{"source":"review"}`)},
	}
	first, err := eng.Ingest(ctx, feed, batch)
	if err != nil {
		t.Fatalf("first ingest: %v", err)
	}
	assertOutcomes(t, "first", first, Created, Created)

	again, err := eng.Ingest(ctx, feed, batch)
	if err != nil {
		t.Fatalf("second ingest: %v", err)
	}
	assertOutcomes(t, "second", again, Unchanged, Unchanged)
	if again[0].ID != first[0].ID {
		t.Errorf("unchanged entry id: got %s, want %s", again[0].ID, first[0].ID)
	}
	if got := emb.Texts(); got != 2 {
		t.Errorf("embedded %d texts over both runs, want 2 (unchanged entries are not re-embedded)", got)
	}

	batch[1].Content = "Adults need seven to nine hours."
	third, err := eng.Ingest(ctx, feed, batch)
	if err != nil {
		t.Fatalf("third ingest: %v", err)
	}
	assertOutcomes(t, "third", third, Unchanged, Updated)

	var category string
	var tags []string
	var model string
	err = pool.QueryRow(ctx, `SELECT category, tags, embedding_model FROM entries WHERE feed_id = $1 AND external_id = 'a'`, feed.ID).
		Scan(&category, &tags, &model)
	if err != nil {
		t.Fatal(err)
	}
	if category != "heart_disease" || len(tags) != 2 || tags[0] != "cardio" || tags[1] != "walking" || model != "embedtest@64" {
		t.Errorf("stored: category %q tags %q model %q", category, tags, model)
	}
}

func assertOutcomes(t *testing.T, run string, got []IngestResult, want ...Outcome) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d results, want %d", run, len(got), len(want))
	}
	for i := range want {
		if got[i].Outcome != want[i] {
			t.Errorf("%s: entry %d: got %s, want %s", run, i, got[i].Outcome, want[i])
		}
	}
}

func TestIngestIsAllOrNothing(t *testing.T) {
	t.Parallel()
	eng, pool, emb := testEngine(t)
	ctx := context.Background()
	feed := newFeed(t, pool, "atomic", "english")
	good := NewEntry{ExternalID: "ok", Title: "Fine", Content: "A valid entry."}
	tests := []struct {
		name      string
		batch     []NewEntry
		wantField string
	}{
		{"missing title and content", []NewEntry{good, {ExternalID: "x"}}, "content"},
		{"confidence out of range", []NewEntry{good, {ExternalID: "x", Title: "t", Confidence: new(7.0)}}, "confidence"},
		{"duplicate external id", []NewEntry{good, good}, "external_id"},
		{"missing external id", []NewEntry{good, {Title: "t"}}, "external_id"},
		{"metadata not an object", []NewEntry{good, {ExternalID: "x", Title: "t", Metadata: []byte(`[1]`)}}, "metadata"},
		{"bad source url", []NewEntry{good, {ExternalID: "x", Title: "t", SourceURL: "javascript:alert(1)"}}, "source_url"},
		{"empty batch", nil, "entries"},
		{"too many", make([]NewEntry, MaxBatch+1), "entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := eng.Ingest(ctx, feed, tt.batch)
			var be *BatchError
			if !errors.As(err, &be) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want a *BatchError", err)
			}
			if be.Problems[0].Field != tt.wantField {
				t.Errorf("problem: got %+v, want field %s", be.Problems[0], tt.wantField)
			}
		})
	}
	t.Run("embedder down", func(t *testing.T) {
		emb.SetDown(true)
		defer emb.SetDown(false)
		_, err := eng.Ingest(ctx, feed, []NewEntry{good})
		if !errors.Is(err, embed.ErrUnavailable) {
			t.Fatalf("got %v, want embed.ErrUnavailable", err)
		}
	})
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM entries WHERE feed_id = $1`, feed.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("entries stored after failed batches: %d (err %v), want 0", n, err)
	}
}
