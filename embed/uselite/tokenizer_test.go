package uselite

import (
	"slices"
	"testing"
)

// miniVocab exercises the quirks of the TF.js tokenizer. The wanted ids in
// TestTokenizerQuirks were produced by the real
// @tensorflow-models/universal-sentence-encoder 1.3.3 Tokenizer on this
// vocabulary.
const miniVocab = `[["\ufffd",0],["<s>",0],["</s>",0],["e1",0],["e2",0],["e3",0],
["\u2581",-1],["\u2581a",-2],["b",-3],["\u2581ab",-10],["a",-1],[":",null],["\u2581:",null]]`

func TestTokenizerQuirks(t *testing.T) {
	tok, err := NewTokenizer([]byte(miniVocab))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		want       []int32
	}{
		{"empty text has no tokens", "", []int32{}},
		{"ties go to the later start", "a", []int32{6, 10}},
		{"best path", "ab", []int32{6, 10, 8}},
		{"consecutive unknowns merge", "xy", []int32{6, 0}},
		{"emoji is two UTF-16 unknowns, merged", "a🍕", []int32{6, 10, 0}},
		{"null score counts as 0 and a 0 best is unset", ":", []int32{6, 11}},
		{"spaces become separators", "a a", []int32{6, 10, 6, 10}},
		{"double space", "a  b", []int32{6, 10, 6, 6, 8}},
		{"NFKC ligature", "ﬁ a", []int32{6, 0, 6, 10}},
		{"NFKC no-break space", "a\u00a0a", []int32{6, 10, 6, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tok.Encode(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("Encode(%q): got %v, want %v", tt.text, got, tt.want)
			}
		})
	}
}

func TestNewTokenizerErrors(t *testing.T) {
	tests := []struct{ name, vocab string }{
		{"not JSON", `{`},
		{"too short", `[["a",0]]`},
		{"bad score", `[["a",0],["b",0],["c",0],["d",0],["e",0],["f",0],["g","x"]]`},
		{"empty piece", `[["a",0],["b",0],["c",0],["d",0],["e",0],["f",0],["",-1]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewTokenizer([]byte(tt.vocab)); err == nil {
				t.Errorf("NewTokenizer(%s): got nil error, want one", tt.vocab)
			}
		})
	}
}

// FuzzEncode checks that any input, invalid UTF-8 included, tokenizes
// without panicking into ids of the vocabulary with no two unknowns in a row.
func FuzzEncode(f *testing.F) {
	tok, err := NewTokenizer([]byte(miniVocab))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "a", "ab b", "\xff\xfe", "a🍕:", "\u2581", "ﬁ\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids := tok.Encode(s)
		for i, id := range ids {
			if id < 0 || int(id) >= tok.VocabSize() {
				t.Fatalf("Encode(%q): id %d out of range", s, id)
			}
			if i > 0 && id == unkID && ids[i-1] == unkID {
				t.Fatalf("Encode(%q): consecutive unknowns in %v", s, ids)
			}
		}
	})
}
