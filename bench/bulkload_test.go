package bench

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/embed/embedtest"
)

func cosine(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}

// A copy's vector is its original's, nudged: distinct, unit length, close,
// and the same on every run.
func TestTitleVectorsNudgesCopies(t *testing.T) {
	tv := NewTitleVectors(embedtest.New(512))
	ctx := context.Background()
	doc := []embed.Document{{Title: "Iron absorption", Text: "Vitamin C helps."}}
	first, err := tv.EmbedDocuments(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tv.EmbedDocuments(ctx, doc)
	b, _ := tv.EmbedDocuments(ctx, doc)
	if slices.Equal(a[0], first[0]) || slices.Equal(a[0], b[0]) {
		t.Fatal("a copy got an identical vector")
	}
	for _, v := range [][]float32{a[0], b[0]} {
		if c := cosine(v, first[0]); c < 0.95 || c > 0.99 {
			t.Errorf("cosine to the original %.3f, want about 0.97", c)
		}
		var sq float64
		for _, x := range v {
			sq += float64(x) * float64(x)
		}
		if math.Abs(sq-1) > 1e-4 {
			t.Errorf("squared length %.6f, want 1", sq)
		}
	}
	again := NewTitleVectors(embedtest.New(512))
	_, _ = again.EmbedDocuments(ctx, doc)
	a2, _ := again.EmbedDocuments(ctx, doc)
	if !slices.Equal(a[0], a2[0]) {
		t.Error("the nudge is not the same on every run")
	}
}
