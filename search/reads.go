package search

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Reads from replicas. By default the Engine reads and writes on one pool.
// WithReads gives it a chooser for the reads that may be a little behind
// (Search, List, Get, Categories, DistinctCategories, KeywordTop): each such
// call picks one pool at its start and runs all its statements there, so the
// keyword statistics, postings and entries of one search come from one
// server (a replica is never mixed with a primary further on). Writes
// (Ingest, Delete, DescribeCategories, Reembed, RebuildKeyword) stay on the
// primary pool.
//
// Read-your-writes: after Ingest, Delete or DescribeCategories in a feed,
// reads of that feed by this Engine go to the primary for the window given to
// WithReads (set it to the replicas' maximum lag), so a search right after an
// ingest finds the entries. Another kapi instance may serve the feed from a
// replica up to the window behind.

// WithReads returns a copy of e whose reads use the pool read chooses, and
// the primary for window after this Engine wrote to the feeds they read.
func (e *Engine) WithReads(read func(context.Context) *pgxpool.Pool, window time.Duration) *Engine {
	c := *e
	c.reads = read
	c.written = &recentWrites{window: window, until: map[uuid.UUID]time.Time{}}
	return &c
}

// reading returns e, or a copy of e on the pool its reads of feeds should use.
func (e *Engine) reading(ctx context.Context, feeds []uuid.UUID) *Engine {
	if e.reads == nil || e.written.recent(feeds, e.now()) {
		return e
	}
	c := *e
	c.pool = e.reads(ctx)
	return &c
}

// wrote notes a write to feed: its reads go to the primary for the window.
func (e *Engine) wrote(feed uuid.UUID) {
	if e.written != nil {
		e.written.note(feed, e.now())
	}
}

// recentWrites remembers until when each feed written to must be read on
// the primary. Safe for concurrent use.
type recentWrites struct {
	window time.Duration
	mu     sync.Mutex
	until  map[uuid.UUID]time.Time
}

func (w *recentWrites) note(feed uuid.UUID, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for f, t := range w.until { // forget the windows that are over
		if !t.After(now) {
			delete(w.until, f)
		}
	}
	w.until[feed] = now.Add(w.window)
}

func (w *recentWrites) recent(feeds []uuid.UUID, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range feeds {
		if t, ok := w.until[f]; ok && t.After(now) {
			return true
		}
	}
	return false
}
