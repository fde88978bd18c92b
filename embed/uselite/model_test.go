package uselite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kapi-project/kapi/embed"
)

func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestModelName(t *testing.T) {
	m := loadModel(t)
	if got, want := m.Model(), (embed.Model{Name: "use-lite", Dims: 512}); got != want {
		t.Errorf("Model(): got %v, want %v", got, want)
	}
}

// TestEmptyText pins the documented behaviour: no tokens pool to zero, so
// the vector is normalize(tanh(bias)) — what TF.js gives (golden_more).
func TestEmptyText(t *testing.T) {
	m := loadModel(t)
	got, err := m.EmbedQuery(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, Dims)
	var ss float64
	for i, b := range m.tanhB {
		want[i] = float32(math.Tanh(float64(b)))
		ss += float64(want[i]) * float64(want[i])
	}
	for i := range want {
		want[i] /= float32(math.Sqrt(ss))
	}
	if d := maxAbsDiff(got, want); d > 1e-6 {
		t.Errorf(`EmbedQuery(""): max diff to normalize(tanh(bias)) got %g, want <= 1e-6`, d)
	}
}

// TestEmbedDocumentsMatchesQuery checks that batching (several batches,
// several workers, an empty document, a clipped one) changes nothing.
func TestEmbedDocumentsMatchesQuery(t *testing.T) {
	m := loadModel(t)
	docs := append(bulkDocs(12), embed.Document{},
		embed.Document{Title: "Long", Text: strings.Repeat("word salad with numbers 42 ", 60)})
	got, err := m.EmbedDocuments(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(docs) {
		t.Fatalf("EmbedDocuments: got %d vectors, want %d", len(got), len(docs))
	}
	for i, d := range docs {
		want, err := m.EmbedQuery(context.Background(), DocumentText(d))
		if err != nil {
			t.Fatal(err)
		}
		if diff := maxAbsDiff(got[i], want); diff > 1e-5 {
			t.Errorf("doc %d: max diff between batch and single got %g, want <= 1e-5", i, diff)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	m := loadModel(t)
	texts := []string{"first query", "a somewhat longer second query about databases", "", "東京"}
	want := make([][]float32, len(texts))
	for i, s := range texts {
		want[i], _ = m.EmbedQuery(context.Background(), s)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(texts))
	for g := range 8 {
		wg.Go(func() {
			for i := range texts {
				j := (i + g) % len(texts)
				got, err := m.EmbedQuery(context.Background(), texts[j])
				if err == nil && maxAbsDiff(got, want[j]) != 0 {
					err = fmt.Errorf("%q: concurrent result differs", texts[j])
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCanceledContext(t *testing.T) {
	m := loadModel(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.EmbedQuery(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("EmbedQuery: got %v, want context.Canceled", err)
	}
	if _, err := m.EmbedDocuments(ctx, bulkDocs(3)); !errors.Is(err, context.Canceled) {
		t.Errorf("EmbedDocuments: got %v, want context.Canceled", err)
	}
}

// copyModel copies the model files into a temporary directory.
func copyModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sums, err := parseChecksums()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sums {
		name := c.name
		b, err := os.ReadFile(filepath.Join(modelDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"missing directory", func(t *testing.T, dir string) { os.RemoveAll(dir) }},
		{"missing shard", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "group1-shard3of7")) }},
		{"truncated vocabulary", func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, "vocab.json"), 100); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyModel(t)
			tt.damage(t, dir)
			_, err := Load(dir)
			if !errors.Is(err, ErrModelFiles) || !strings.Contains(err.Error(), fetchHint) {
				t.Errorf("Load: got %v, want ErrModelFiles with %q", err, fetchHint)
			}
		})
	}
}

func TestDocumentText(t *testing.T) {
	tests := []struct {
		doc  embed.Document
		want string
	}{
		{embed.Document{}, ""},
		{embed.Document{Text: "body"}, "body"},
		{embed.Document{Title: "Title"}, "Title"},
		{embed.Document{Title: "Title", Text: "body"}, "Title. body"},
		{embed.Document{Title: "Why?", Text: "body"}, "Why? body"},
	}
	for _, tt := range tests {
		if got := DocumentText(tt.doc); got != tt.want {
			t.Errorf("DocumentText(%+v): got %q, want %q", tt.doc, got, tt.want)
		}
	}
}

func TestSplitBatches(t *testing.T) {
	seq := func(n int) []int32 { return make([]int32, n) }
	tests := []struct {
		name string
		seqs [][]int32
		want string
	}{
		{"none", nil, "[]"},
		{"one fits", [][]int32{seq(3), seq(4)}, "[[0 2]]"},
		{"split at limit", [][]int32{seq(6), seq(4), seq(1)}, "[[0 1] [1 3]]"},
		{"oversized alone", [][]int32{seq(300), seq(1)}, "[[0 1] [1 2]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := 8
			if tt.name == "oversized alone" {
				limit = MaxTokens // a clipped sequence still fills a batch
			}
			if got := fmt.Sprint(splitBatches(tt.seqs, limit)); got != tt.want {
				t.Errorf("splitBatches: got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestBatchLimit(t *testing.T) {
	seqs := func(lens ...int) [][]int32 {
		out := make([][]int32, len(lens))
		for i, n := range lens {
			out[i] = make([]int32, n)
		}
		return out
	}
	tests := []struct {
		name  string
		seqs  [][]int32
		procs int
		want  int
	}{
		{"no documents", nil, 2, 1},
		{"few documents share the workers", seqs(100, 100, 100), 2, 150},
		{"clipped lengths count", seqs(1000, 1000), 2, MaxTokens},
		{"capped at maxBatchTokens", seqs(128, 128, 128, 128, 128, 128, 128, 128, 128, 128), 2, maxBatchTokens},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := batchLimit(tt.seqs, tt.procs); got != tt.want {
				t.Errorf("batchLimit: got %d, want %d", got, tt.want)
			}
		})
	}
}

// liveHeap returns the bytes of live heap objects after two collections
// (the second one frees what sync.Pool victim caches held).
func liveHeap() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// TestModelMemory reports the heap the loaded model keeps and the load time.
func TestModelMemory(t *testing.T) {
	before := liveHeap()
	t0 := time.Now()
	m := loadModel(t)
	took := time.Since(t0)
	mib := float64(liveHeap()-before) / (1 << 20)
	t.Logf("model heap after Load: %.1f MiB; Load took %v (kernel %s)", mib, took, m.Kernel())
	if mib > 48 {
		t.Errorf("model heap got %.1f MiB, want <= 48", mib)
	}
	runtime.KeepAlive(m)
}

// TestUnreadableFilesSayPermission: a file the service user may not read
// (root ran the install, a service user runs kapi) is not "run make model".
// Tests run as root, who reads anything, so the error is built here.
func TestUnreadableFilesSayPermission(t *testing.T) {
	denied := &fs.PathError{Op: "open", Path: "models/use-lite/vocab.json", Err: syscall.EACCES}
	if got := hintFor(fmt.Errorf("read: %w", denied)); !strings.Contains(got, "may not read") {
		t.Errorf("permission denied: got hint %q", got)
	}
	if got := hintFor(fs.ErrNotExist); got != fetchHint {
		t.Errorf("missing file: got hint %q, want %q", got, fetchHint)
	}
}
