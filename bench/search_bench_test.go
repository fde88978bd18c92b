package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/embed/embedtest"
	"github.com/kapi-project/kapi/migrations"
	"github.com/kapi-project/kapi/migrations/pgtest"
	"github.com/kapi-project/kapi/search"
)

// BenchmarkSearch measures search latency over KAPI_BENCH_ENTRIES entries
// (SciFact replicated with perturbations by Replicate, split over two english
// feeds and searched together, as a fan-out would) with SciFact's test queries,
// per mode at concurrency 1 and 8, reporting p50/p95/p99 in milliseconds.
// Query embeddings come from the in-process fake embedder, standing in for a
// warm embedding cache. Opt-in, since loading 100,000 entries takes minutes;
// set KAPI_BENCH_DB to a migrated database to load it once and rerun cheaply:
//
//	KAPI_BENCH_ENTRIES=100000 go test ./bench -run '^$' -bench Search -benchtime 600x -timeout 60m
func BenchmarkSearch(b *testing.B) {
	coll, n := benchCollection(b)
	eng, feeds := loadEngine(b, Replicate(coll.Docs, n, 1), true)
	var queries []string
	for _, id := range coll.TestQueries() {
		queries = append(queries, coll.Queries[id])
	}
	hnsw := search.DefaultOptions()
	hnsw.ExactScanMax = 0
	cases := []struct {
		name string
		q    search.Query
		eng  *search.Engine
	}{
		{"keyword", search.Query{Mode: search.ModeKeyword}, eng},
		{"semantic", search.Query{Mode: search.ModeSemantic}, eng},
		{"hybrid", search.Query{Mode: search.ModeHybrid}, eng},
		// 2% of the entries: the default options pick an exact scan.
		{"semantic-rare2pct", search.Query{Mode: search.ModeSemantic, Categories: []string{"rare"}}, eng},
		{"semantic-rare2pct-hnsw", search.Query{Mode: search.ModeSemantic, Categories: []string{"rare"}}, eng.WithOptions(hnsw)},
		{"semantic-conf0.95", search.Query{Mode: search.ModeSemantic, ConfidenceMin: 0.95}, eng},
	}
	for _, c := range cases {
		run := func(ctx context.Context, i int) error {
			q := c.q
			q.Text, q.Feeds, q.Limit = queries[i%len(queries)], feeds, 10
			_, err := c.eng.Search(ctx, q)
			return err
		}
		// Warm the caches with one untimed pass over the queries.
		if _, err := Measure(b.Context(), len(queries), 2, run); err != nil {
			b.Fatal(err)
		}
		for _, conc := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/c%d", c.name, conc), func(b *testing.B) {
				reportLatency(b, conc, run)
			})
		}
	}
}

// benchCollection loads the collection the search benchmarks replicate and
// returns it with KAPI_BENCH_ENTRIES, the number of entries to load; it skips
// b when that is not set.
func benchCollection(b *testing.B) (*Collection, int) {
	n, _ := strconv.Atoi(os.Getenv("KAPI_BENCH_ENTRIES"))
	if n <= 0 {
		b.Skip("set KAPI_BENCH_ENTRIES (e.g. 100000) to run")
	}
	coll, err := LoadBEIR(dataDir(), "test")
	if err != nil {
		b.Fatal(err)
	}
	return coll, n
}

// reportLatency runs run b.N times with concurrency at once and reports the
// latencies' percentiles in milliseconds.
func reportLatency(b *testing.B, concurrency int, run func(ctx context.Context, i int) error) {
	lat, err := Measure(b.Context(), b.N, concurrency, run)
	if err != nil {
		b.Fatal(err)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat.P50), "p50-ms")
	b.ReportMetric(ms(lat.P95), "p95-ms")
	b.ReportMetric(ms(lat.P99), "p99-ms")
}

// dataDir is $KAPI_BENCH_DATA or the shared SciFact copy beside the checkout.
func dataDir() string {
	if d := os.Getenv("KAPI_BENCH_DATA"); d != "" {
		return d
	}
	return "../../shared/data/scifact"
}

// loadEngine returns an engine over two english feeds holding entries, with a
// pool large enough for 8 concurrent hybrid searches (two connections each).
// The database is a fresh one, or $KAPI_BENCH_DB (the URL of a migrated
// database), which is loaded on first use and reused as is afterwards.
func loadEngine(tb testing.TB, entries []search.NewEntry, vectors bool) (*search.Engine, []search.Feed) {
	tb.Helper()
	ctx := context.Background()
	url := os.Getenv("KAPI_BENCH_DB")
	if url == "" {
		url = pgtest.NewDatabase(tb)
	}
	pool, err := migrations.Open(ctx, url, migrations.PoolOptions{MaxConns: 24})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	eng := search.New(pool, embedtest.New(512))
	var ids []uuid.UUID
	err = pool.QueryRow(ctx, `SELECT array_agg(id ORDER BY slug) FROM feeds WHERE slug LIKE 'bench-%'`).Scan(&ids)
	if err != nil {
		tb.Fatal(err)
	}
	if len(ids) == 2 {
		tb.Logf("reusing the loaded benchmark database")
		return eng, []search.Feed{{ID: ids[0], Language: "english"}, {ID: ids[1], Language: "english"}}
	}
	feeds := []search.Feed{newFeed(tb, pool, "bench-a"), newFeed(tb, pool, "bench-b")}
	load(tb, pool, eng, feeds, entries, vectors)
	return eng, feeds
}

// load ingests entries round-robin into feeds, one goroutine per feed. The
// HNSW index is dropped during the load and built afterwards (as
// 005_passage_lexemes.sql defines it) when vectors are searched: a bulk build
// is several times faster than 100,000 incremental inserts.
func load(tb testing.TB, pool *pgxpool.Pool, eng *search.Engine, feeds []search.Feed, entries []search.NewEntry, vectors bool) {
	tb.Helper()
	ctx := context.Background()
	start := time.Now()
	if _, err := pool.Exec(ctx, `DROP INDEX passages_embedding_idx`); err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	for i, f := range feeds {
		wg.Go(func() {
			var part []search.NewEntry
			for j := i; j < len(entries); j += len(feeds) {
				part = append(part, entries[j])
			}
			for len(part) > 0 {
				k := min(len(part), search.MaxBatch)
				if _, err := eng.Ingest(ctx, f, part[:k]); err != nil {
					tb.Error(err)
					return
				}
				part = part[k:]
			}
		})
	}
	wg.Wait()
	tb.Logf("ingested %d entries in %s", len(entries), time.Since(start).Round(time.Second))
	conn, err := pool.Acquire(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Release()
	build := []string{
		`SET maintenance_work_mem = '2GB'`,
		`SET max_parallel_maintenance_workers = 2`,
		`CREATE INDEX passages_embedding_idx ON passages USING hnsw (embedding halfvec_cosine_ops)`,
	}
	if !vectors {
		build = nil
	}
	for _, sql := range append(build, `VACUUM ANALYZE`) {
		if _, err := conn.Exec(ctx, sql); err != nil {
			tb.Fatalf("%s: %v", sql, err)
		}
	}
	tb.Logf("loaded and indexed in %s", time.Since(start).Round(time.Second))
}

// newFeed inserts a published english feed (the feeds package owns the table;
// the benchmark only needs a row to point at).
func newFeed(tb testing.TB, pool *pgxpool.Pool, slug string) search.Feed {
	tb.Helper()
	f := search.Feed{Language: "english"}
	err := pool.QueryRow(context.Background(),
		`INSERT INTO feeds (slug, name, language) VALUES ($1, $1, $2) RETURNING id`, slug, f.Language).Scan(&f.ID)
	if err != nil {
		tb.Fatalf("insert feed %s: %v", slug, err)
	}
	return f
}
