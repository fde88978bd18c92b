package uselite

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// reservedPieces is the number of leading vocabulary entries (unk, <s>, </s>,
// three extra ids) that never take part in segmentation.
const reservedPieces = 6

// unkID is the id of the unknown piece.
const unkID = 0

// separator replaces every ASCII space and prefixes the text (U+2581, "lower
// one eighth block"), as SentencePiece does.
const separator = "\u2581"

// Tokenizer segments text into USE-lite vocabulary ids. It is a faithful port
// of Tokenizer.encode in @tensorflow-models/universal-sentence-encoder 1.3.3
// (dist/tokenizer), including its quirks:
//   - the text is walked in UTF-16 code units, not code points, because the
//     published build was compiled to ES5 (an emoji is two unknown units,
//     merged into one unk id);
//   - a null log-probability in vocab.json counts as 0;
//   - a lattice cell counts as "unset" while its best score is exactly 0;
//   - ties go to the later candidate (score >= best);
//   - the backward pass steps by the UTF-16 length of the chosen piece.
//
// A Tokenizer is immutable after construction and safe for concurrent use.
type Tokenizer struct {
	trie    trie
	pieceLn []int // UTF-16 length of each vocabulary piece, by id
}

// trie holds the pieces by UTF-16 code unit. Node 0 is the root; the child
// of node n for unit u is edges[n<<16|u]. One flat map keeps the 8000-piece
// trie under a megabyte.
type trie struct {
	nodes []trieNode
	edges map[uint64]int32
}

// trieNode ends a piece when id > 0 (reserved ids are never inserted).
type trieNode struct {
	score float64
	id    int
}

// child returns the child of node n for unit u, or -1.
func (t *trie) child(n int32, u uint16) int32 {
	c, ok := t.edges[uint64(n)<<16|uint64(u)]
	if !ok {
		return -1
	}
	return c
}

// insert adds a piece; a later duplicate overwrites an earlier one, as in JS.
func (t *trie) insert(units []uint16, score float64, id int) {
	n := int32(0)
	for _, u := range units {
		c := t.child(n, u)
		if c < 0 {
			c = int32(len(t.nodes))
			t.nodes = append(t.nodes, trieNode{})
			t.edges[uint64(n)<<16|uint64(u)] = c
		}
		n = c
	}
	t.nodes[n] = trieNode{score: score, id: id}
}

// NewTokenizer builds a tokenizer from the contents of vocab.json, a JSON
// array of [piece, logprob] pairs. It returns an error if the JSON is
// malformed or has fewer than reservedPieces+1 entries.
func NewTokenizer(vocabJSON []byte) (*Tokenizer, error) {
	var raw [][2]json.RawMessage
	if err := json.Unmarshal(vocabJSON, &raw); err != nil {
		return nil, fmt.Errorf("parse vocabulary: %w", err)
	}
	if len(raw) <= reservedPieces {
		return nil, fmt.Errorf("parse vocabulary: %d entries, want more than %d", len(raw), reservedPieces)
	}
	t := &Tokenizer{
		trie:    trie{nodes: make([]trieNode, 1, 4*len(raw)), edges: make(map[uint64]int32, 4*len(raw))},
		pieceLn: make([]int, len(raw)),
	}
	for i, pair := range raw {
		var piece string
		var score *float64 // null in vocab.json: JavaScript adds it as 0
		if err := json.Unmarshal(pair[0], &piece); err != nil {
			return nil, fmt.Errorf("parse vocabulary entry %d: %w", i, err)
		}
		if err := json.Unmarshal(pair[1], &score); err != nil {
			return nil, fmt.Errorf("parse vocabulary entry %d: %w", i, err)
		}
		units := utf16.Encode([]rune(piece))
		t.pieceLn[i] = len(units)
		if i < reservedPieces {
			continue
		}
		if len(units) == 0 {
			return nil, errors.New("parse vocabulary: empty piece")
		}
		s := 0.0
		if score != nil {
			s = *score
		}
		t.trie.insert(units, s, i)
	}
	return t, nil
}

// VocabSize is the number of vocabulary entries, reserved ones included.
func (t *Tokenizer) VocabSize() int { return len(t.pieceLn) }

// Encode returns the vocabulary ids of text, unclipped (the network reads only
// the first MaxTokens). An empty text, or one that normalizes to empty, has no
// ids.
func (t *Tokenizer) Encode(text string) []int32 {
	units := preprocess(text)
	if len(units) == 0 {
		return []int32{}
	}
	words := t.viterbi(units)
	return t.backtrack(words)
}

// preprocess applies NFKC, replaces ASCII spaces by the separator and
// prefixes one, then splits into UTF-16 code units.
func preprocess(text string) []uint16 {
	s := norm.NFKC.String(text)
	if s == "" {
		return nil
	}
	s = separator + strings.ReplaceAll(s, " ", separator)
	return utf16.Encode([]rune(s))
}

// viterbi returns the id of the best-scoring last piece ending at each
// position 0..len(units). The original builds the whole lattice, then visits
// the edges into each end position in ascending start order; relaxing the
// edges forward while walking the start positions in order visits them in
// the same order, with best[start] already final, so it needs no lattice.
// A start with no piece gets a zero-score unknown edge of length one.
func (t *Tokenizer) viterbi(units []uint16) []int {
	n := len(units)
	best := make([]float64, n+1)
	words := make([]int, n+1)
	relax := func(end int, score float64, id int) {
		if best[end] == 0 || score >= best[end] { // 0 means unset, as in JS
			best[end], words[end] = score, id
		}
	}
	for i := range n {
		found := false
		node := t.trie.child(0, units[i])
		for j := i; j < n && node >= 0; j++ {
			if nd := t.trie.nodes[node]; nd.id > 0 {
				relax(j+1, nd.score+best[i], nd.id)
				found = true
			}
			if j+1 < n {
				node = t.trie.child(node, units[j+1])
			}
		}
		if !found {
			relax(i+1, best[i], unkID)
		}
	}
	return words
}

// backtrack walks the best path from the end, stepping by each piece's
// UTF-16 length, merges consecutive unknowns and returns ids in text order.
func (t *Tokenizer) backtrack(words []int) []int32 {
	var rev []int32
	for i := len(words) - 1; i > 0; i -= t.pieceLn[words[i]] {
		rev = append(rev, int32(words[i]))
	}
	out := make([]int32, 0, len(rev))
	prevUnk := false
	for _, id := range rev {
		if !(prevUnk && id == unkID) {
			out = append(out, id)
		}
		prevUnk = id == unkID
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
