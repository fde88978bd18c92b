package embed

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCachedMissThenHit(t *testing.T) {
	inner := newFakeEmbedder(8)
	c := NewCached(inner, NewMemoryStore(0, nil), CacheOptions{})
	first, err := c.EmbedQuery(context.Background(), "  Hybrid   search ")
	if err != nil {
		t.Fatalf("first EmbedQuery: %v", err)
	}
	second, err := c.EmbedQuery(context.Background(), "Hybrid search")
	if err != nil {
		t.Fatalf("second EmbedQuery: %v", err)
	}
	if !slices.Equal(first, second) {
		t.Errorf("hit = %v, want %v", second, first)
	}
	if got := inner.queries.Load(); got != 1 {
		t.Errorf("inner calls = %d, want 1", got)
	}
	if got, want := c.Stats(), (CacheStats{Hits: 1, Misses: 1}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	if got, want := inner.lastQuery, "Hybrid search"; got != want {
		t.Errorf("inner embedded %q, want the normalised %q", got, want)
	}
}

func TestCachedSeparatesModels(t *testing.T) {
	store := NewMemoryStore(0, nil)
	a, b := newFakeEmbedder(8), newFakeEmbedder(8)
	b.model.Name = "other"
	ca, cb := NewCached(a, store, CacheOptions{}), NewCached(b, store, CacheOptions{})
	va, _ := ca.EmbedQuery(context.Background(), "q")
	vb, _ := cb.EmbedQuery(context.Background(), "q")
	if slices.Equal(va, vb) || a.queries.Load() != 1 || b.queries.Load() != 1 {
		t.Errorf("models shared a cache entry: calls %d/%d", a.queries.Load(), b.queries.Load())
	}
}

func TestCachedDocumentsPassThrough(t *testing.T) {
	inner := newFakeEmbedder(8)
	c := NewCached(inner, NewMemoryStore(0, nil), CacheOptions{})
	docs := []Document{{Title: "t", Text: "x"}}
	for range 2 {
		if _, err := c.EmbedDocuments(context.Background(), docs); err != nil {
			t.Fatalf("EmbedDocuments: %v", err)
		}
	}
	if got := inner.documents.Load(); got != 2 {
		t.Errorf("inner document calls = %d, want 2", got)
	}
	if got := c.Stats(); got != (CacheStats{}) {
		t.Errorf("Stats() = %+v, want zero", got)
	}
	if got, want := c.Model(), inner.Model(); got != want {
		t.Errorf("Model() = %v, want %v", got, want)
	}
}

func TestCachedInnerErrorNotCached(t *testing.T) {
	inner := newFakeEmbedder(8)
	inner.fail = ErrUnavailable
	store := &recordingStore{CacheStore: NewMemoryStore(0, nil)}
	c := NewCached(inner, store, CacheOptions{})
	if _, err := c.EmbedQuery(context.Background(), "q"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
	if len(store.keys) != 0 {
		t.Errorf("stored %d entries after a failure, want 0", len(store.keys))
	}
}

func TestCachedStoresWithTTLAndPrefix(t *testing.T) {
	tests := []struct {
		name       string
		opts       CacheOptions
		wantTTL    time.Duration
		wantPrefix string
	}{
		{"defaults", CacheOptions{}, 24 * time.Hour, "kapi:qemb:v1:"},
		{"custom", CacheOptions{TTL: time.Minute, KeyPrefix: "p:"}, time.Minute, "p:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &recordingStore{CacheStore: NewMemoryStore(0, nil)}
			c := NewCached(newFakeEmbedder(8), store, tt.opts)
			if _, err := c.EmbedQuery(context.Background(), "q"); err != nil {
				t.Fatal(err)
			}
			if len(store.ttls) != 1 || store.ttls[0] != tt.wantTTL {
				t.Errorf("TTLs = %v, want [%v]", store.ttls, tt.wantTTL)
			}
			if len(store.keys) != 1 || !strings.HasPrefix(store.keys[0], tt.wantPrefix) || len(store.keys[0]) != len(tt.wantPrefix)+64 {
				t.Errorf("keys = %q, want prefix %q + 64 hex", store.keys, tt.wantPrefix)
			}
		})
	}
}

func TestCachedWrongLengthIsMiss(t *testing.T) {
	inner := newFakeEmbedder(8)
	store := &recordingStore{CacheStore: NewMemoryStore(0, nil)}
	c := NewCached(inner, store, CacheOptions{})
	key := DefaultCacheKeyPrefix + queryKey(inner.Model(), "q")
	_ = store.CacheStore.Set(context.Background(), key, []byte{1, 2, 3}, time.Hour)
	if _, err := c.EmbedQuery(context.Background(), "q"); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Stats(), (CacheStats{Misses: 1}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	if _, err := c.EmbedQuery(context.Background(), "q"); err != nil || inner.queries.Load() != 1 {
		t.Errorf("after overwrite: err %v, inner calls %d; want nil, 1", err, inner.queries.Load())
	}
}

func TestCachedStoreFailureFallsThrough(t *testing.T) {
	tests := []struct {
		name  string
		store CacheStore
	}{
		{"broken", &brokenStore{}},
		{"slow", slowStore{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := newFakeEmbedder(8)
			c := NewCached(inner, tt.store, CacheOptions{Timeout: 20 * time.Millisecond})
			start := time.Now()
			v, err := c.EmbedQuery(context.Background(), "q")
			if err != nil || len(v) != 8 {
				t.Fatalf("EmbedQuery = %d dims, %v; want 8, nil", len(v), err)
			}
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("took %v, want about 20ms", elapsed)
			}
			// The set is not tried: the cache backs off after the failed get.
			if got, want := c.Stats(), (CacheStats{Errors: 1}); got != want {
				t.Errorf("Stats() = %+v, want %+v", got, want)
			}
		})
	}
}

func TestCachedCallerCancelNotCountedAsError(t *testing.T) {
	inner := newFakeEmbedder(8)
	inner.fail = context.Canceled
	c := NewCached(inner, slowStore{}, CacheOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.EmbedQuery(ctx, "q"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got := c.Stats().Errors; got != 0 {
		t.Errorf("Errors = %d, want 0", got)
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) lines() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), "\n")
}

func TestCachedFailureLogRateLimited(t *testing.T) {
	var sink syncBuffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewCached(newFakeEmbedder(8), &brokenStore{}, CacheOptions{
		Logger:      slog.New(slog.NewTextHandler(&sink, nil)),
		LogInterval: time.Minute,
		Now:         func() time.Time { return now },
	})
	steps := []struct {
		advance   time.Duration
		wantLines int
	}{
		{0, 1},                // get fails (set skipped: backing off): one line
		{30 * time.Second, 1}, // within the interval: none more
		{31 * time.Second, 2}, // interval passed: one more
		{time.Second, 2},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if _, err := c.EmbedQuery(context.Background(), "q"); err != nil {
			t.Fatal(err)
		}
		if got := sink.lines(); got != s.wantLines {
			t.Errorf("step %d: %d log lines, want %d", i, got, s.wantLines)
		}
	}
	// Steps 0-2 fail their get; step 3 comes within the backoff and is not tried.
	if got, want := c.Stats().Errors, uint64(3); got != want {
		t.Errorf("Errors = %d, want %d", got, want)
	}
}

// TestCachedBacksOffAfterAFailure: after a failure the store is left alone
// for Backoff (no budget spent on it), then tried again.
func TestCachedBacksOffAfterAFailure(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	store := &brokenStore{}
	c := NewCached(newFakeEmbedder(8), store, CacheOptions{Backoff: 5 * time.Second, Now: func() time.Time { return now }})
	for i, step := range []struct {
		advance time.Duration
		gets    int64
	}{{0, 1}, {time.Second, 1}, {3 * time.Second, 1}, {2 * time.Second, 2}} {
		now = now.Add(step.advance)
		if _, err := c.EmbedQuery(context.Background(), "q"); err != nil {
			t.Fatal(err)
		}
		if got := store.gets.Load(); got != step.gets {
			t.Errorf("step %d: %d gets, want %d", i, got, step.gets)
		}
	}
	if got := store.sets.Load(); got != 0 {
		t.Errorf("%d sets while backing off, want 0", got)
	}
}
