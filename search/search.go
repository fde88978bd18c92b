// Package search owns knowledge entries (ingest, list, get, recent, categories,
// stats) and their retrieval: keyword (Postgres full text), semantic (pgvector
// over passages, passages.go) and hybrid (Reciprocal Rank Fusion), with
// highlights. It owns the entries, passages and feed_categories tables; every query on them filters by feed_id, which keeps the schema
// shardable by feed (Citus).
//
// Of kapi's packages it imports only embed; it imports no HTTP framework.
// Callers pass the feeds a request may read (already resolved and checked by the
// feeds package) as parameters.
package search

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kapi-project/kapi/embed"
)

// ErrNotFound reports that an entry does not exist in the feeds the caller may read.
var ErrNotFound = errors.New("entry not found")

// Engine reads and writes knowledge entries. Build it with New.
type Engine struct {
	pool     *pgxpool.Pool
	embedder embed.Embedder
	now      func() time.Time
	opts     Options
	postings *postingCache // posting lists read, for the keyword leg (postcache.go)
	hooks    Hooks
	reads    func(context.Context) *pgxpool.Pool // nil: reads on pool (reads.go)
	written  *recentWrites                       // feeds written lately, read on pool
}

// New returns an Engine over pool that embeds entries and queries with embedder.
func New(pool *pgxpool.Pool, embedder embed.Embedder) *Engine {
	o := DefaultOptions()
	return &Engine{pool: pool, embedder: embedder, now: time.Now, opts: o, postings: newPostingCache(o.PostingCacheBytes)}
}

// WithOptions returns a copy of e that retrieves with the knobs o (see
// ranking.go for their meaning and ranges); e is unchanged.
func (e *Engine) WithOptions(o Options) *Engine {
	c := *e
	c.opts = o
	if o.PostingCacheBytes != e.opts.PostingCacheBytes {
		c.postings = newPostingCache(o.PostingCacheBytes)
	}
	return &c
}

// Feed is what search needs to know of a feed: its id and its Postgres
// text-search configuration (english, german, simple, ...).
type Feed struct {
	ID       uuid.UUID
	Language string
}

// Entry is a stored knowledge entry. It never carries its embedding.
type Entry struct {
	ID         uuid.UUID
	FeedID     uuid.UUID
	ExternalID string
	Title      string
	Content    string
	Category   string
	Tags       []string
	Confidence float64
	SourceURL  string
	Metadata   Metadata
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// feedIDs lists the ids of feeds, for `feed_id = ANY($n)`.
func feedIDs(feeds []Feed) []uuid.UUID {
	ids := make([]uuid.UUID, len(feeds))
	for i, f := range feeds {
		ids[i] = f.ID
	}
	return ids
}
