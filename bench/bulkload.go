package bench

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"

	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/search"
)

// TitleVectors is an embedder for loading Replicate's copies: a document
// whose title it has embedded before gets that earlier vector (a copy's text
// differs from its original's by a few words only), any other goes to the
// model. Entries are embedded as passages, all with the entry's title, in
// order: the k-th document of a title in one call reuses the k-th vector of
// that title seen before. 100,000 entries then cost the model only the originals: minutes, not
// hours. It answers queries with the model. Safe for concurrent use.
//
// A reused vector is nudged by a small random vector (seeded by its title and
// how many times it was reused; cosine about 0.97 to the original, as a
// near-duplicate text's embedding would be) and normalised: identical vectors
// would collapse into shared HNSW elements (pgvector keeps up to 10 heap rows
// per element), leaving a graph far smaller and faster to walk than one of
// as many distinct passages.
type TitleVectors struct {
	embed.Embedder
	mu    sync.Mutex
	seen  map[string][]float32
	reuse map[string]uint64
}

// Unwrap returns the wrapped embedder (search reaches its token counter so).
func (t *TitleVectors) Unwrap() embed.Embedder { return t.Embedder }

// NewTitleVectors wraps e.
func NewTitleVectors(e embed.Embedder) *TitleVectors {
	return &TitleVectors{Embedder: e, seen: map[string][]float32{}, reuse: map[string]uint64{}}
}

// EmbedDocuments embeds the documents whose title is new with the model and
// reuses the stored vector for the others. Errors: the model's.
func (t *TitleVectors) EmbedDocuments(ctx context.Context, docs []embed.Document) ([][]float32, error) {
	out := make([][]float32, len(docs))
	keys := make([]string, len(docs))
	nth := map[string]int{}
	var todo []embed.Document
	var at []int
	t.mu.Lock()
	for i, d := range docs {
		keys[i] = d.Title + "\x00" + strconv.Itoa(nth[d.Title])
		nth[d.Title]++
		if v, ok := t.seen[keys[i]]; ok && d.Title != "" {
			t.reuse[keys[i]]++
			out[i] = nudge(v, keys[i], t.reuse[keys[i]])
		} else {
			todo, at = append(todo, d), append(at, i)
		}
	}
	t.mu.Unlock()
	if len(todo) == 0 {
		return out, nil
	}
	vs, err := t.Embedder.EmbedDocuments(ctx, todo)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for j, v := range vs {
		out[at[j]] = v
		t.seen[keys[at[j]]] = v
	}
	return out, nil
}

// nudgeNorm is the length of the random vector a reused unit vector gets:
// cosine 1/sqrt(1 + 0.25²) ≈ 0.97 to the original.
const nudgeNorm = 0.25

// nudge returns v plus a random vector of length about nudgeNorm, seeded by
// key and n, normalised.
func nudge(v []float32, key string, n uint64) []float32 {
	h := fnv.New64a()
	h.Write([]byte(key))
	r := rand.New(rand.NewPCG(h.Sum64(), n))
	sigma := nudgeNorm / math.Sqrt(float64(len(v)))
	out := make([]float32, len(v))
	var sum float64
	for i, x := range v {
		y := float64(x) + sigma*r.NormFloat64()
		out[i], sum = float32(y), sum+y*y
	}
	for i := range out {
		out[i] = float32(float64(out[i]) / math.Sqrt(sum))
	}
	return out
}

// BulkLoad ingests entries into feed through eng.Ingest with search's vector
// index dropped meanwhile (Engine.WithoutVectorIndex: several times faster;
// for scratch databases only), and builds it afterwards when vectors says the
// load will be searched by meaning. progress gets the entries stored so far.
// Errors: ingest and DDL errors, wrapped.
func BulkLoad(ctx context.Context, eng *search.Engine, feed search.Feed, entries []search.NewEntry, vectors bool, progress func(int)) error {
	return eng.WithoutVectorIndex(ctx, vectors, func(ctx context.Context) error {
		for start := 0; start < len(entries); start += search.MaxBatch {
			batch := entries[start:min(len(entries), start+search.MaxBatch)]
			if _, err := eng.Ingest(ctx, feed, batch); err != nil {
				return fmt.Errorf("ingest entries %d-%d: %w", start, start+len(batch)-1, err)
			}
			progress(start + len(batch))
		}
		return nil
	})
}
