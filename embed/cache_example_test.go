package embed_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kapi-project/kapi/embed"
)

// constantEmbedder stands in for gemini.Embedder or the local model.
type constantEmbedder struct{}

func (constantEmbedder) Model() embed.Model { return embed.Model{Name: "example", Dims: 2} }

func (constantEmbedder) EmbedQuery(context.Context, string) ([]float32, error) {
	return []float32{0.6, 0.8}, nil
}

func (constantEmbedder) EmbedDocuments(_ context.Context, docs []embed.Document) ([][]float32, error) {
	out := make([][]float32, len(docs))
	for i := range out {
		out[i] = []float32{0.6, 0.8}
	}
	return out, nil
}

// The wiring in cmd/kapi: pick a store from config (REDIS_URL →
// NewRedisStoreURL, UPSTASH_REDIS_REST_URL/_TOKEN → NewUpstashStore, else
// NewMemoryStore) and wrap the embedder.
func ExampleNewCached() {
	store := embed.NewMemoryStore(10_000, nil)
	cached := embed.NewCached(constantEmbedder{}, store, embed.CacheOptions{TTL: 24 * time.Hour})
	for _, q := range []string{"hybrid search", "  hybrid   search"} {
		v, err := cached.EmbedQuery(context.Background(), q)
		fmt.Println(v, err)
	}
	fmt.Printf("%+v\n", cached.Stats())
	// Output:
	// [0.6 0.8] <nil>
	// [0.6 0.8] <nil>
	// {Hits:1 Misses:1 Errors:0}
}
