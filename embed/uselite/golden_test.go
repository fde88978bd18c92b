package uselite

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// modelDir is where tests find the model files: $KAPI_MODEL_DIR, else the
// repository's models/use-lite (fetched by .ci/fetch-model).
func modelDir() string {
	if d := os.Getenv("KAPI_MODEL_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "models", "use-lite")
}

// loadModel loads the model or fails the test (never skips) with the hint.
func loadModel(tb testing.TB) *Model {
	tb.Helper()
	m, err := Load(modelDir())
	if err != nil {
		tb.Fatalf("Load(%q): %v", modelDir(), err)
	}
	return m
}

// golden is a reference file produced by the TF.js runtime.
type golden struct {
	Sentences  []string    `json:"sentences"`
	TokenIDs   [][]int32   `json:"token_ids"`
	Embeddings [][]float64 `json:"embeddings"`
}

func readGolden(tb testing.TB, name string) golden {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		tb.Fatalf("parse %s: %v", name, err)
	}
	if len(g.Sentences) == 0 || len(g.Sentences) != len(g.TokenIDs) || len(g.Sentences) != len(g.Embeddings) {
		tb.Fatalf("%s: inconsistent golden file", name)
	}
	return g
}

func cosine(a []float32, b []float64) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * b[i]
		na += float64(a[i]) * float64(a[i])
		nb += b[i] * b[i]
	}
	return dot / math.Sqrt(na*nb)
}

var goldenFiles = []string{"golden_tfjs.json", "golden_more_tfjs.json"}

func TestTokenizerGolden(t *testing.T) {
	m := loadModel(t)
	for _, file := range goldenFiles {
		g := readGolden(t, file)
		for i, s := range g.Sentences {
			t.Run(file+"/"+s, func(t *testing.T) {
				got := m.Tokenizer().Encode(s)
				if want := g.TokenIDs[i]; !slices.Equal(got, want) {
					t.Errorf("Encode(%q)\n got %v\nwant %v", s, got, want)
				}
			})
		}
	}
}

// TestTokenizerManyTFJS compares token ids with the TF.js tokenizer on 408
// generated strings (testdata/gen_tokens_tfjs.js).
func TestTokenizerManyTFJS(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "tokens_tfjs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Texts    []string  `json:"texts"`
		TokenIDs [][]int32 `json:"token_ids"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Texts) == 0 || len(g.Texts) != len(g.TokenIDs) {
		t.Fatalf("tokens_tfjs.json: %d texts, %d id lists", len(g.Texts), len(g.TokenIDs))
	}
	tok := loadModel(t).Tokenizer()
	for i, s := range g.Texts {
		if got, want := tok.Encode(s), g.TokenIDs[i]; !slices.Equal(got, want) {
			t.Errorf("Encode(%q):\n got %v\nwant %v", s, got, want)
		}
	}
}

func TestEmbedGolden(t *testing.T) {
	const minCos = 0.999
	m := loadModel(t)
	worst := 1.0
	for _, file := range goldenFiles {
		g := readGolden(t, file)
		for i, s := range g.Sentences {
			got, err := m.EmbedQuery(context.Background(), s)
			if err != nil {
				t.Fatalf("EmbedQuery(%q): %v", s, err)
			}
			c := cosine(got, g.Embeddings[i])
			worst = min(worst, c)
			if c < minCos {
				t.Errorf("%s: EmbedQuery(%q): cosine to TF.js got %.6f, want > %v", file, s, c, minCos)
			}
		}
	}
	t.Logf("min cosine to TF.js over golden cases: %.9f (1-cos = %.2g)", worst, 1-worst)
}
