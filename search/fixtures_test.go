package search

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/embed/embedtest"
	"github.com/kapi-project/kapi/migrations/pgtest"
)

// testEngine is an Engine on a fresh database with the fake embedder.
func testEngine(t *testing.T) (*Engine, *pgxpool.Pool, *embedtest.Embedder) {
	t.Helper()
	return testEngineTB(t)
}

// testEngineTB is testEngine for benchmarks too.
func testEngineTB(t testing.TB) (*Engine, *pgxpool.Pool, *embedtest.Embedder) {
	t.Helper()
	pool := pgtest.New(t)
	emb := embedtest.New(64)
	return New(pool, emb), pool, emb
}

// newFeed inserts a published feed (the feeds package owns the table; tests of
// search only need a row to point at).
func newFeed(t testing.TB, pool *pgxpool.Pool, slug, language string) Feed {
	t.Helper()
	f := Feed{Language: language}
	err := pool.QueryRow(context.Background(),
		`INSERT INTO feeds (slug, name, language) VALUES ($1, $1, $2) RETURNING id`, slug, language).Scan(&f.ID)
	if err != nil {
		t.Fatalf("insert feed %s: %v", slug, err)
	}
	return f
}
