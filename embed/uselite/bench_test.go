package uselite

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kapi-project/kapi/embed"
)

// query15 is a search query of 15 tokens.
const query15 = "how do I tune hybrid search ranking weights for my documents?"

func BenchmarkQuery15Tokens(b *testing.B) {
	m := loadModel(b)
	if n := len(m.Tokenizer().Encode(query15)); n != 15 {
		b.Fatalf("query has %d tokens, want 15", n)
	}
	ctx := context.Background()
	durs := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		if _, err := m.EmbedQuery(ctx, query15); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(t0))
	}
	slices.Sort(durs)
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds())/1000, "p99-ms")
}

// bulkDocs returns n realistic documents of roughly 100-200 tokens.
func bulkDocs(n int) []embed.Document {
	sentences := []string{
		"The committee approved the revised budget after a long debate about infrastructure spending.",
		"Researchers found that regular exercise improves memory and reduces the risk of heart disease.",
		"To install the package, download the archive, verify its checksum and run the setup script.",
		"The river flooded the valley in spring, forcing hundreds of families to leave their homes.",
		"Our API returns results ranked by relevance, combining keyword matching with vector similarity.",
		"She studied economics in Vienna before joining a small startup that builds search tools.",
		"Vaccines train the immune system to recognise a pathogen without causing the disease itself.",
		"The museum's new exhibition explores how medieval maps imagined the edges of the world.",
	}
	docs := make([]embed.Document, n)
	for i := range docs {
		var sb strings.Builder
		for j := range 5 + i%4 {
			sb.WriteString(sentences[(i+j)%len(sentences)])
			sb.WriteString(" ")
		}
		docs[i] = embed.Document{Title: fmt.Sprintf("Document %d", i), Text: sb.String()}
	}
	return docs
}

func BenchmarkBulk(b *testing.B) {
	m := loadModel(b)
	docs := bulkDocs(64)
	tokens := 0
	for _, d := range docs {
		tokens += min(len(m.Tokenizer().Encode(DocumentText(d))), MaxTokens)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := m.EmbedDocuments(ctx, docs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tokens*b.N)/b.Elapsed().Seconds(), "tokens/s")
	b.ReportMetric(float64(tokens)/float64(len(docs)), "tokens/doc")
}

// BenchmarkLoad reports the load time and the heap the loaded model keeps.
func BenchmarkLoad(b *testing.B) {
	var heap float64
	var took time.Duration
	for b.Loop() {
		before := liveHeap()
		t0 := time.Now()
		m := loadModel(b)
		took += time.Since(t0)
		heap = float64(liveHeap()-before) / (1 << 20)
		runtime.KeepAlive(m)
	}
	b.ReportMetric(heap, "heap-MiB")
	b.ReportMetric(float64(took.Microseconds())/1000/float64(b.N), "ms/load")
}
