package embed

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNormalizeQuery(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "vector search", "vector search"},
		{"trim", "  vector search \n", "vector search"},
		{"collapse", "vector \t\n  search", "vector search"},
		{"unicode spaces", "vector\u00a0\u2003search", "vector search"},
		{"NFC", "cafe\u0301", "caf\u00e9"},
		{"empty", " \t ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeQuery(tt.in); got != tt.want {
				t.Errorf("NormalizeQuery(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestQueryKey(t *testing.T) {
	m := Model{Name: "gemini-embedding-001", Dims: 768}
	base := queryKey(m, "hello world")
	if len(base) != 64 || strings.Trim(base, "0123456789abcdef") != "" {
		t.Fatalf("queryKey = %q, want 64 hex digits", base)
	}
	tests := []struct {
		name  string
		model Model
		text  string
		same  bool
	}{
		{"same input", m, "hello world", true},
		{"other text", m, "hello worlds", false},
		{"other model", Model{Name: "use-lite", Dims: 768}, "hello world", false},
		{"other dims", Model{Name: "gemini-embedding-001", Dims: 512}, "hello world", false},
		{"no field bleed", Model{Name: "gemini-embedding-001768", Dims: 0}, "hello world", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queryKey(tt.model, tt.text) == base; got != tt.same {
				t.Errorf("key equal to base = %v, want %v", got, tt.same)
			}
		})
	}
}

func TestVectorCodec(t *testing.T) {
	v := []float32{0, 1, -1, 0.5, math.SmallestNonzeroFloat32, math.MaxFloat32, float32(math.Inf(-1))}
	b := encodeVector(v)
	if got, want := len(b), 4*len(v); got != want {
		t.Fatalf("encoded length = %d, want %d", got, want)
	}
	if got, want := b[4:8], []byte{0, 0, 0x80, 0x3f}; !slices.Equal(got, want) {
		t.Errorf("1.0 encoded as % x, want % x (little-endian float32)", got, want)
	}
	got, ok := decodeVector(b, len(v))
	if !ok || !slices.Equal(got, v) {
		t.Errorf("decode(encode(v)) = %v, %v; want %v, true", got, ok, v)
	}
	for _, dims := range []int{0, len(v) - 1, len(v) + 1} {
		if _, ok := decodeVector(b, dims); ok {
			t.Errorf("decodeVector with dims %d: ok = true, want false", dims)
		}
	}
}
