// Package embedtest provides a deterministic embedder for tests of code that
// stores and searches vectors: a hashed bag of words, so texts that share words
// are similar and the same text always gets the same vector. It is no language
// model; tests of the real models live beside them in embed.
package embedtest

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/kapi-project/kapi/embed"
)

// Embedder is the fake. The zero value is not usable; call New.
type Embedder struct {
	dims  int
	down  atomic.Bool
	calls atomic.Int64
	texts atomic.Int64
}

// New returns a fake with vectors of dims dimensions (<= embed.StorageDims).
func New(dims int) *Embedder { return &Embedder{dims: dims} }

// Model names the fake and its dimension.
func (e *Embedder) Model() embed.Model { return embed.Model{Name: "embedtest", Dims: e.dims} }

// SetDown makes every call fail with embed.ErrUnavailable (true) or succeed again.
func (e *Embedder) SetDown(down bool) { e.down.Store(down) }

// Calls is the number of calls so far; Texts the number of texts embedded.
func (e *Embedder) Calls() int64 { return e.calls.Load() }

// Texts is the number of texts embedded so far.
func (e *Embedder) Texts() int64 { return e.texts.Load() }

// EmbedQuery embeds text. Errors: embed.ErrUnavailable when set down.
func (e *Embedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	vs, err := e.embed(ctx, []string{text})
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// EmbedDocuments embeds title and text of each document. Errors:
// embed.ErrUnavailable when set down.
func (e *Embedder) EmbedDocuments(ctx context.Context, docs []embed.Document) ([][]float32, error) {
	texts := make([]string, len(docs))
	for i, d := range docs {
		texts[i] = d.Title + " " + d.Text
	}
	return e.embed(ctx, texts)
}

func (e *Embedder) embed(ctx context.Context, texts []string) ([][]float32, error) {
	e.calls.Add(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if e.down.Load() {
		return nil, fmt.Errorf("embedtest: set down: %w", embed.ErrUnavailable)
	}
	e.texts.Add(int64(len(texts)))
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = e.vector(t)
	}
	return out, nil
}

// vector hashes each lowercased word (and a crude stem: trailing "s" dropped)
// into a dimension; an empty text gets a fixed unit vector.
func (e *Embedder) vector(text string) []float32 {
	v := make([]float32, e.dims)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		w = strings.TrimSuffix(w, "s")
		h := fnv.New32a()
		h.Write([]byte(w))
		v[int(h.Sum32())%e.dims]++
	}
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	if norm == 0 {
		v[0] = 1
		return v
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range v {
		v[i] *= inv
	}
	return v
}
