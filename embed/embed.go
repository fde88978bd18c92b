// Package embed turns text into vectors for kapi's semantic search.
//
// It owns the Embedder interface (the one producer-side interface in kapi, on
// purpose: several implementations, several consumers), the local USE-lite
// model, the Gemini adapter and the query-embedding cache. It imports nothing
// of kapi's own packages.
package embed

import (
	"context"
	"errors"
	"strconv"
)

// StorageDims is the width of the embedding column in Postgres. A model with
// fewer dimensions is zero-padded to this width by Pad; cosine similarity is
// unchanged by the padding.
const StorageDims = 768

// ErrUnavailable reports that the embedding provider cannot answer right now
// (network down, quota exhausted upstream, model not loaded). The HTTP layer
// maps it to 503 SERVICE_UNAVAILABLE.
var ErrUnavailable = errors.New("embedding provider unavailable")

// ErrRejected reports that the provider refused the input itself (too long, not
// allowed); retrying the same input will not help. The HTTP layer maps it to 400
// VALIDATION_ERROR.
var ErrRejected = errors.New("embedding provider rejected the input")

// Model names an embedding model and the native dimension of its vectors.
// Vectors of different models are never compared with each other.
type Model struct {
	Name string // e.g. "use-lite" or "gemini-embedding-001"
	Dims int    // native output dimension, <= StorageDims
}

// String renders the model as "name@dims", the form stored with every vector.
func (m Model) String() string { return m.Name + "@" + strconv.Itoa(m.Dims) }

// Document is one text to embed for storage. Title may be empty.
type Document struct {
	Title string
	Text  string
}

// Embedder computes unit-length embeddings. Implementations must be safe for
// concurrent use. Errors wrap ErrUnavailable when the provider cannot answer.
type Embedder interface {
	// Model names the model and its native dimension.
	Model() Model
	// EmbedQuery embeds a search query (asymmetric models embed queries and
	// documents differently). The result has Model().Dims elements.
	EmbedQuery(ctx context.Context, text string) ([]float32, error)
	// EmbedDocuments embeds documents for storage, in order, one vector per
	// document, each with Model().Dims elements.
	EmbedDocuments(ctx context.Context, docs []Document) ([][]float32, error)
}

// Pad returns v zero-padded to StorageDims. It panics if v is longer, which
// would be a programming error in an Embedder.
func Pad(v []float32) []float32 {
	if len(v) > StorageDims {
		panic("embed: vector longer than StorageDims")
	}
	if len(v) == StorageDims {
		return v
	}
	out := make([]float32, StorageDims)
	copy(out, v)
	return out
}
