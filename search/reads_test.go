package search

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/migrations/pgtest"
)

// TestReadsGoToTheChosenPoolButFollowWrites: with a "replica" that is an
// empty database of its own, a read shows which pool served it. Right after
// an ingest the feed is read on the primary; once the window is over, and
// for a feed not written to, on the chosen pool.
func TestReadsGoToTheChosenPoolButFollowWrites(t *testing.T) {
	t.Parallel()
	eng, primary, _ := testEngine(t)
	replica := pgtest.New(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	eng.now = func() time.Time { return now }
	chosen := 0
	eng = eng.WithReads(func(context.Context) *pgxpool.Pool { chosen++; return replica }, 5*time.Second)
	ctx := context.Background()
	written, other := newFeed(t, primary, "written", "english"), newFeed(t, primary, "other", "english")
	for _, f := range []Feed{written, other} {
		if _, err := eng.Ingest(ctx, f, []NewEntry{{ExternalID: "a", Title: "Quorum commit", Content: "Standbys acknowledge quorum commits."}}); err != nil {
			t.Fatal(err)
		}
	}
	eng.written.until[other.ID] = now // as if other's window were over
	hits := func(f Feed) int {
		t.Helper()
		res, err := eng.Search(ctx, Query{Text: "quorum", Feeds: []Feed{f}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Hits)
	}
	if got := hits(written); got != 1 || chosen != 0 {
		t.Errorf("within the window: %d hits, chooser asked %d times; want 1 hit from the primary, chooser not asked", got, chosen)
	}
	if got := hits(other); got != 0 || chosen != 1 {
		t.Errorf("another feed: %d hits, chooser asked %d times; want 0 hits from the replica", got, chosen)
	}
	now = now.Add(6 * time.Second)
	if got := hits(written); got != 0 || chosen != 2 {
		t.Errorf("after the window: %d hits, chooser asked %d times; want 0 hits from the replica", got, chosen)
	}
}
