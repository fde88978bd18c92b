package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// assertExhaustive checks the engine's top n against Reference, a
// second BM25 computed from the entries alone: the same scores, and the same
// entries wherever the scores are not tied.
func assertExhaustive(t *testing.T, eng *Engine, pool *pgxpool.Pool, feeds []Feed, text string, n int) {
	t.Helper()
	ctx := context.Background()
	ref, err := eng.NewReference(ctx, feeds, []string{text})
	if err != nil {
		t.Fatal(err)
	}
	wantDocs, wantScores := ref.Top(text, n)
	res := mustSearch(t, eng, Query{Text: text, Feeds: feeds, Limit: n})
	if len(res.Hits) != len(wantDocs) {
		t.Fatalf("%q: got %d hits, want %d", text, len(res.Hits), len(wantDocs))
	}
	for i, h := range res.Hits {
		var doc int64
		if err := pool.QueryRow(ctx, `SELECT doc_no FROM entries WHERE feed_id = $1 AND id = $2`, h.FeedID, h.ID).Scan(&doc); err != nil {
			t.Fatal(err)
		}
		if math.Abs(h.RawScore-wantScores[i]) > 1e-9*max(1, wantScores[i]) {
			t.Fatalf("%q: hit %d score %.12f, want %.12f", text, i, h.RawScore, wantScores[i])
		}
		tied := (i > 0 && math.Abs(wantScores[i-1]-wantScores[i]) < 1e-9) ||
			(i+1 < len(wantScores) && math.Abs(wantScores[i+1]-wantScores[i]) < 1e-9)
		if !tied && doc != wantDocs[i] {
			t.Fatalf("%q: hit %d is doc %d, want %d", text, i, doc, wantDocs[i])
		}
	}
}

// The engine's top hits are exhaustive BM25's, before and after updates and
// deletes (which leave dead postings behind and move the statistics), and
// across two feeds (the union's statistics).
func TestKeywordBM25IsExhaustive(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	a, b := newFeed(t, pool, "a", "english"), newFeed(t, pool, "b", "english")
	ingest(t, eng, a, generated(700, 1))
	ingest(t, eng, b, generated(300, 2))
	queries := []string{"alpha", "alpha bravo charlie", "zulu amber basil cedar dahlia echo",
		"the quick alpha fox", "kilo lima mike november oscar papa quebec romeo"}
	check := func(stage string) {
		t.Helper()
		for _, q := range queries {
			t.Run(stage+"/"+q, func(t *testing.T) {
				assertExhaustive(t, eng, pool, []Feed{a}, q, 50)
				assertExhaustive(t, eng, pool, []Feed{a, b}, q, 50)
			})
		}
	}
	check("fresh")

	changed := generated(700, 3)[:200] // same external ids g00000…, new words
	ingest(t, eng, a, changed)
	ctx := context.Background()
	for i := 200; i < 260; i++ {
		var id string
		if err := pool.QueryRow(ctx, `SELECT id FROM entries WHERE feed_id = $1 AND external_id = $2`,
			a.ID, fmt.Sprintf("g%05d", i)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `DELETE FROM entries WHERE feed_id = $1 AND id = $2`, a.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	check("changed")
	assertStatsMatchRebuild(t, pool, a)
}

// assertStatsMatchRebuild compares the maintained statistics of feed with
// those keyword_rebuild counts from the entries.
func assertStatsMatchRebuild(t *testing.T, pool *pgxpool.Pool, feed Feed) {
	t.Helper()
	ctx := context.Background()
	read := func() (string, []string) {
		var stats string
		if err := pool.QueryRow(ctx, `SELECT format('%s %s', doc_count, total_length) FROM keyword_feed_stats WHERE feed_id = $1`,
			feed.ID).Scan(&stats); err != nil {
			t.Fatal(err)
		}
		rows, err := pool.Query(ctx, `SELECT lexeme || ' ' || df FROM keyword_terms WHERE feed_id = $1 AND df > 0 ORDER BY lexeme`, feed.ID)
		if err != nil {
			t.Fatal(err)
		}
		var terms []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			terms = append(terms, s)
		}
		return stats, terms
	}
	stats, terms := read()
	if _, err := pool.Exec(ctx, `SELECT keyword_rebuild($1)`, feed.ID); err != nil {
		t.Fatal(err)
	}
	wantStats, wantTerms := read()
	if stats != wantStats || !slices.Equal(terms, wantTerms) {
		t.Errorf("maintained statistics %s (%d terms), rebuilt %s (%d terms)", stats, len(terms), wantStats, len(wantTerms))
	}
	var dead int64
	if err := pool.QueryRow(ctx, `SELECT dead_postings FROM keyword_feed_stats WHERE feed_id = $1`, feed.ID).Scan(&dead); err != nil || dead != 0 {
		t.Errorf("after rebuild: %d dead postings (%v), want 0", dead, err)
	}
}

// Concurrent ingests into one feed neither deadlock nor lose a count.
func TestKeywordStatsUnderConcurrentIngest(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "busy", "english")
	var workers [][][]NewEntry
	for w := range 4 {
		workers = append(workers, workerEntries(w, 400, 100, uint64(10+w)))
	}
	ingestConcurrently(t, eng, feed, workers)
	assertStatsMatchRebuild(t, pool, feed)
	assertExhaustive(t, eng, pool, []Feed{feed}, "alpha bravo", 20)
}

// Concurrent ingests that name the same entries, each batch listing them in
// another order and with other texts, all succeed (the upsert locks rows in
// external_id order, and a deadlock Postgres still breaks is run again), and
// leave every entry as one of the versions written, with exact statistics.
func TestConcurrentIngestOfTheSameEntries(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "contended", "english")
	versions := map[string]map[string]bool{} // external id → contents written
	var batches [][]NewEntry
	for w := range 4 {
		entries := generated(200, uint64(20+w))
		if w%2 == 1 {
			slices.Reverse(entries)
		}
		for _, e := range entries {
			if versions[e.ExternalID] == nil {
				versions[e.ExternalID] = map[string]bool{}
			}
			versions[e.ExternalID][e.Content] = true
		}
		batches = append(batches, entries[:100], entries[100:])
	}
	ingestConcurrently(t, eng, feed, [][][]NewEntry{batches[0:2], batches[2:4], batches[4:6], batches[6:8]})
	rows, err := pool.Query(context.Background(), `SELECT external_id, content FROM entries WHERE feed_id = $1`, feed.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	for rows.Next() {
		var ext, content string
		if err := rows.Scan(&ext, &content); err != nil {
			t.Fatal(err)
		}
		stored++
		if !versions[ext][content] {
			t.Errorf("entry %s holds a content no batch wrote: %q", ext, content)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if stored != len(versions) {
		t.Errorf("%d entries stored, want %d", stored, len(versions))
	}
	assertStatsMatchRebuild(t, pool, feed)
	assertExhaustive(t, eng, pool, []Feed{feed}, "alpha bravo", 20)
}

// A writer that changes an entry's text without a new doc_no is refused:
// its postings would no longer describe it.
func TestKeywordRefusesStaleDocNo(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "f", "english")
	ingest(t, eng, feed, healthCorpus())
	_, err := pool.Exec(context.Background(), `UPDATE entries SET content = 'changed' WHERE feed_id = $1`, feed.ID)
	if err == nil {
		t.Fatal("an update of content keeping doc_no succeeded")
	}
}

// RebuildKeyword drops the dead postings and keeps the ranking.
func TestRebuildKeywordDropsDeadPostings(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "f", "english")
	ingest(t, eng, feed, generated(300, 1))
	ingest(t, eng, feed, generated(300, 2)[:100]) // rewrites 100 entries
	before := externalIDs(mustSearch(t, eng, Query{Text: "alpha bravo", Feeds: []Feed{feed}, Limit: 20}).Hits)
	dead, err := eng.RebuildKeyword(context.Background(), feed.ID)
	if err != nil || dead == 0 {
		t.Fatalf("RebuildKeyword = %d, %v; want dead postings dropped", dead, err)
	}
	if again, err := eng.RebuildKeyword(context.Background(), feed.ID); err != nil || again != 0 {
		t.Errorf("second rebuild: %d, %v; want 0 dead", again, err)
	}
	after := externalIDs(mustSearch(t, eng, Query{Text: "alpha bravo", Feeds: []Feed{feed}, Limit: 20}).Hits)
	if !slices.Equal(before, after) {
		t.Errorf("ranking changed by the rebuild:\n%q\n%q", before, after)
	}
	assertExhaustive(t, eng, pool, []Feed{feed}, "alpha bravo charlie", 30)
}

// The feeds row's entry_count and last_entry_at, kept by the writers of
// entries (008_feed_counters.sql), follow creates, updates, deletes and
// concurrent batches exactly.
func TestFeedCountersFollowWriters(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "counted", "english")
	ctx := context.Background()
	counters := func() (int64, *time.Time) {
		t.Helper()
		var n int64
		var last *time.Time
		if err := pool.QueryRow(ctx, `SELECT entry_count, last_entry_at FROM feeds WHERE id = $1`, feed.ID).Scan(&n, &last); err != nil {
			t.Fatal(err)
		}
		return n, last
	}
	if n, last := counters(); n != 0 || last != nil {
		t.Fatalf("new feed: %d entries, last %v", n, last)
	}
	var workers [][][]NewEntry
	for w := range 3 {
		workers = append(workers, workerEntries(w, 150, 50, uint64(40+w)))
	}
	ingestConcurrently(t, eng, feed, workers)
	n, first := counters()
	if n != 450 || first == nil {
		t.Fatalf("after 450 created: %d entries, last %v", n, first)
	}
	changed := generated(10, 99) // other texts under ids the first writer used
	for i := range changed {
		changed[i].ExternalID = fmt.Sprintf("w0-%d", i)
	}
	results, err := eng.Ingest(ctx, feed, changed)
	if err != nil {
		t.Fatal(err)
	}
	if n, last := counters(); n != 450 || last == nil || last.Before(*first) {
		t.Errorf("after 10 updates: %d entries (want 450), last %v (before %v)", n, last, first)
	}
	if err := eng.Delete(ctx, feed.ID, results[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := eng.Delete(ctx, feed.ID, results[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	var live int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM entries WHERE feed_id = $1`, feed.ID).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if n, _ := counters(); n != 449 || live != 449 {
		t.Errorf("after a delete: entry_count %d, %d entries stored; want 449", n, live)
	}
}

// ingestConcurrently runs one writer per element of workers at once, each
// ingesting its batches in order into feed, and fails t on the first error.
func ingestConcurrently(t *testing.T, eng *Engine, feed Feed, workers [][][]NewEntry) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(workers))
	for _, batches := range workers {
		wg.Go(func() {
			for _, b := range batches {
				if _, err := eng.Ingest(context.Background(), feed, b); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("ingest: %v", err)
	}
}

// workerEntries is n generated entries (seed) under external ids of worker w,
// cut into batches of size.
func workerEntries(w, n, size int, seed uint64) [][]NewEntry {
	entries := generated(n, seed)
	for i := range entries {
		entries[i].ExternalID = fmt.Sprintf("w%d-%d", w, i)
	}
	var out [][]NewEntry
	for k := 0; k < len(entries); k += size {
		out = append(out, entries[k:min(k+size, len(entries))])
	}
	return out
}

// A feed deleted with its entries takes its categories, statistics and
// postings along (the categories may cascade away before the entries do).
func TestDeletingAFeedTakesItsRows(t *testing.T) {
	t.Parallel()
	eng, pool, _ := testEngine(t)
	feed := newFeed(t, pool, "gone", "english")
	ingest(t, eng, feed, generated(120, 7))
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `DELETE FROM feeds WHERE id = $1`, feed.ID); err != nil {
		t.Fatalf("delete a feed with entries: %v", err)
	}
	for _, table := range []string{"entries", "passages", "feed_categories", "keyword_feed_stats", "keyword_terms", "keyword_postings"} {
		var n int64
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE feed_id = $1`, feed.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows left of the deleted feed", table, n)
		}
	}
}
