package bench

import (
	"context"
	"fmt"
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
type TitleVectors struct {
	embed.Embedder
	mu   sync.Mutex
	seen map[string][]float32
}

// Unwrap returns the wrapped embedder (search reaches its token counter so).
func (t *TitleVectors) Unwrap() embed.Embedder { return t.Embedder }

// NewTitleVectors wraps e.
func NewTitleVectors(e embed.Embedder) *TitleVectors {
	return &TitleVectors{Embedder: e, seen: map[string][]float32{}}
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
			out[i] = v
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
