package embed

import (
	"context"
	"crypto/sha256"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// fakeEmbedder is a tiny deterministic Embedder: the vector of a text is
// derived from its SHA-256, normalised. It counts calls and can be told to
// fail.
type fakeEmbedder struct {
	model              Model
	queries, documents atomic.Int64
	fail               error
	mu                 sync.Mutex
	lastQuery          string
}

func newFakeEmbedder(dims int) *fakeEmbedder {
	return &fakeEmbedder{model: Model{Name: "fake", Dims: dims}}
}

func (f *fakeEmbedder) Model() Model { return f.model }

func (f *fakeEmbedder) EmbedQuery(_ context.Context, text string) ([]float32, error) {
	f.queries.Add(1)
	f.mu.Lock()
	f.lastQuery = text
	f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	return fakeVector(f.model.Name+"|q|"+text, f.model.Dims), nil
}

func (f *fakeEmbedder) EmbedDocuments(_ context.Context, docs []Document) ([][]float32, error) {
	f.documents.Add(1)
	if f.fail != nil {
		return nil, f.fail
	}
	out := make([][]float32, len(docs))
	for i, d := range docs {
		out[i] = fakeVector(f.model.Name+"|d|"+d.Title+"|"+d.Text, f.model.Dims)
	}
	return out, nil
}

func fakeVector(seed string, dims int) []float32 {
	v := make([]float32, dims)
	var sum float64
	for i := range v {
		h := sha256.Sum256([]byte(seed + string(rune(i))))
		v[i] = float32(h[0]) - 127.5
		sum += float64(v[i]) * float64(v[i])
	}
	for i := range v {
		v[i] = float32(float64(v[i]) / math.Sqrt(sum))
	}
	return v
}

// brokenStore fails every call; slowStore blocks until the context ends.
type brokenStore struct{ gets, sets atomic.Int64 }

var errBroken = errors.New("store is broken")

func (s *brokenStore) Get(context.Context, string) ([]byte, bool, error) {
	s.gets.Add(1)
	return nil, false, errBroken
}

func (s *brokenStore) Set(context.Context, string, []byte, time.Duration) error {
	s.sets.Add(1)
	return errBroken
}

type slowStore struct{}

func (slowStore) Get(ctx context.Context, _ string) ([]byte, bool, error) {
	<-ctx.Done()
	return nil, false, ctx.Err()
}

func (slowStore) Set(ctx context.Context, _ string, _ []byte, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

// recordingStore wraps a store and records the TTLs it is given.
type recordingStore struct {
	CacheStore
	mu   sync.Mutex
	ttls []time.Duration
	keys []string
}

func (s *recordingStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	s.mu.Lock()
	s.ttls = append(s.ttls, ttl)
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return s.CacheStore.Set(ctx, key, val, ttl)
}
