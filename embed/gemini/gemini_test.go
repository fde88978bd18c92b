package gemini

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/kapi-project/kapi/embed"
)

const wantPath = "/v1beta/models/gemini-embedding-001:batchEmbedContents"

func TestModel(t *testing.T) {
	e, _ := newTestEmbedder(t, newFake(t), Config{})
	if got, want := e.Model(), (embed.Model{Name: "gemini-embedding-001", Dims: 768}); got != want {
		t.Errorf("Model() = %v, want %v", got, want)
	}
}

func TestEmbedDocumentsSplitsBatchesInOrder(t *testing.T) {
	f := newFake(t)
	e, _ := newTestEmbedder(t, f, Config{})
	docs := make([]embed.Document, 250)
	for i := range docs {
		docs[i] = embed.Document{Text: fmt.Sprintf("t%d", i)}
		if i%2 == 0 {
			docs[i].Title = fmt.Sprintf("title %d", i)
		}
	}
	vecs, err := e.EmbedDocuments(context.Background(), docs)
	if err != nil {
		t.Fatalf("EmbedDocuments: %v", err)
	}
	calls := f.seen()
	if got, want := batchSizes(calls), []int{100, 100, 50}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("batch sizes = %v, want %v", got, want)
	}
	checkDocumentRequests(t, calls, docs)
	if got, want := len(vecs), len(docs); got != want {
		t.Fatalf("got %d vectors, want %d", got, want)
	}
	for i, v := range vecs {
		checkUnitVector(t, v, i)
	}
}

func batchSizes(calls []seen) []int {
	var sizes []int
	for _, c := range calls {
		sizes = append(sizes, len(c.body.Requests))
	}
	return sizes
}

// checkDocumentRequests checks every request of every call against docs.
func checkDocumentRequests(t *testing.T, calls []seen, docs []embed.Document) {
	t.Helper()
	i := 0
	for _, c := range calls {
		if c.method != "POST" || c.path != wantPath || c.key != testKey {
			t.Errorf("call = %s %s key %q, want POST %s key %q", c.method, c.path, c.key, wantPath, testKey)
		}
		for _, r := range c.body.Requests {
			d := docs[i]
			i++
			if r.Model != "models/gemini-embedding-001" || r.TaskType != "RETRIEVAL_DOCUMENT" || r.OutputDimensionality != 768 {
				t.Errorf("request %d = model %q task %q dims %d, want models/gemini-embedding-001 RETRIEVAL_DOCUMENT 768", i, r.Model, r.TaskType, r.OutputDimensionality)
			}
			if got := r.Content.Parts[0].Text; got != d.Text {
				t.Errorf("request %d text = %q, want %q", i, got, d.Text)
			}
			checkTitle(t, i, r.Title, d.Title)
		}
	}
}

func checkTitle(t *testing.T, i int, got *string, want string) {
	t.Helper()
	switch {
	case want == "" && got != nil:
		t.Errorf("request %d title = %q, want none", i, *got)
	case want != "" && (got == nil || *got != want):
		t.Errorf("request %d title = %v, want %q", i, got, want)
	}
}

// checkUnitVector checks length 768, unit norm, and the fake's order marker
// (v[0]/v[1] = n+1 for text "t<n>").
func checkUnitVector(t *testing.T, v []float32, n int) {
	t.Helper()
	if len(v) != 768 {
		t.Fatalf("vector %d has %d dims, want 768", n, len(v))
	}
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if got := math.Sqrt(sum); math.Abs(got-1) > 1e-5 {
		t.Errorf("vector %d norm = %v, want 1", n, got)
	}
	if got, want := float64(v[0]/v[1]), float64(n+1); math.Abs(got-want) > 1e-3*want {
		t.Errorf("vector %d marker = %v, want %v (order lost?)", n, got, want)
	}
}

func TestEmbedQuery(t *testing.T) {
	f := newFake(t)
	e, _ := newTestEmbedder(t, f, Config{})
	v, err := e.EmbedQuery(context.Background(), "t41")
	if err != nil {
		t.Fatalf("EmbedQuery: %v", err)
	}
	checkUnitVector(t, v, 41)
	calls := f.seen()
	if len(calls) != 1 || len(calls[0].body.Requests) != 1 {
		t.Fatalf("got %d calls, want 1 call of 1 request", len(calls))
	}
	r := calls[0].body.Requests[0]
	if r.TaskType != "RETRIEVAL_QUERY" || r.Title != nil || r.OutputDimensionality != 768 {
		t.Errorf("request = task %q title %v dims %d, want RETRIEVAL_QUERY, no title, 768", r.TaskType, r.Title, r.OutputDimensionality)
	}
}

func TestEmbedDocumentsEmpty(t *testing.T) {
	f := newFake(t)
	e, _ := newTestEmbedder(t, f, Config{})
	vecs, err := e.EmbedDocuments(context.Background(), nil)
	if err != nil || len(vecs) != 0 || len(f.seen()) != 0 {
		t.Errorf("EmbedDocuments(nil) = %d vectors, %v, %d calls; want 0, nil, 0", len(vecs), err, len(f.seen()))
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"missing key", Config{}},
		{"dims too large", Config{APIKey: "k", Dims: embed.StorageDims + 1}},
		{"negative dims", Config{APIKey: "k", Dims: -1}},
		{"negative timeout", Config{APIKey: "k", Timeout: -1}},
		{"relative base URL", Config{APIKey: "k", BaseURL: "localhost:8080"}},
		{"bad scheme", Config{APIKey: "k", BaseURL: "ftp://host/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(context.Background(), tt.cfg)
			if !errors.Is(err, ErrConfig) {
				t.Errorf("New(%s) error = %v, want ErrConfig", tt.name, err)
			}
		})
	}
}
