package search

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/kapi-project/kapi/embed/embedtest"
)

func TestReembedAfterModelChange(t *testing.T) {
	t.Parallel()
	old, pool, _ := testEngine(t) // embedtest@64
	ctx := context.Background()
	feed := newFeed(t, pool, "reembed", "english")
	var batch []NewEntry
	for i := range 7 {
		batch = append(batch, NewEntry{ExternalID: fmt.Sprint(i), Title: "t", Content: fmt.Sprint("content ", i)})
	}
	if _, err := old.Ingest(ctx, feed, batch); err != nil {
		t.Fatal(err)
	}
	next := New(pool, embedtest.New(32)) // another model
	stale, err := next.Stale(ctx, []uuid.UUID{feed.ID})
	if err != nil || len(stale) != 1 || stale[0].Model != "embedtest@64" || stale[0].Count != 7 {
		t.Fatalf("stale before: got %+v, %v; want 7 of embedtest@64", stale, err)
	}
	var calls []int
	done, err := next.Reembed(ctx, feed, 3, func(n int) { calls = append(calls, n) })
	if err != nil || done != 7 || fmt.Sprint(calls) != "[3 6 7]" {
		t.Fatalf("reembed: done %d, progress %v, err %v; want 7 in batches of 3", done, calls, err)
	}
	if stale, _ = next.Stale(ctx, []uuid.UUID{feed.ID}); len(stale) != 0 {
		t.Errorf("stale after: %+v, want none", stale)
	}
	if again, err := next.Reembed(ctx, feed, 3, func(int) {}); err != nil || again != 0 {
		t.Errorf("second run: %d, %v; want nothing left", again, err)
	}
}
