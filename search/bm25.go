package search

import (
	"cmp"
	"math"
	"slices"

	"github.com/google/uuid"
)

// docScore is an entry version's BM25 score.
type docScore struct {
	doc   int64 // doc_no
	score float64
}

// collectionStats are the BM25 statistics of the feeds searched, together,
// with what identifies the posting lists they describe (postcache.go).
type collectionStats struct {
	docs   float64            // N: live entries
	avgLen float64            // mean entry length in lexeme positions
	df     map[string]float64 // entries containing each lexeme
	// generation is each feed's keyword generation, counts each list's
	// number of postings.
	generation map[uuid.UUID]int64
	counts     map[postingKey]int64
}

// idf is BM25's inverse document frequency in Lucene's form, which is never
// negative: ln(1 + (N − df + 0.5) / (df + 0.5)).
func (s collectionStats) idf(lexeme string) float64 {
	df := s.df[lexeme]
	return math.Log(1 + (s.docs-df+0.5)/(df+0.5))
}

// The packed second value of a posting (003_keyword.sql): tf per field in
// 9 bits each, the entry's length in the low 32.
func unpackPosting(p int64) (title, tags, content, length float64) {
	return float64(p >> 50 & 0x1ff), float64(p >> 41 & 0x1ff), float64(p >> 32 & 0x1ff), float64(p & 0xffffffff)
}

// bm25Term is one lexeme's contribution to an entry's score, with the
// field-weighted term frequency tf = Σ weight_field × tf_field (BM25F-style;
// the length is not weighted):
//
//	idf × tf × (k1 + 1) / (tf + k1 × (1 − b + b × length / avgLen))
func (o Options) bm25Term(idf, avgLen float64, packed int64) float64 {
	title, tags, content, length := unpackPosting(packed)
	tf := o.TitleWeight*title + o.TagsWeight*tags + o.ContentWeight*content
	norm := 1 - o.B
	if avgLen > 0 {
		norm += o.B * length / avgLen
	}
	return idf * tf * (o.K1 + 1) / (tf + o.K1*norm)
}

// idfs is the IDF of each of kq's lexemes under stats.
func (kq keywordQuery) idfs(stats collectionStats) map[string]float64 {
	out := make(map[string]float64, len(kq.pairLexemes))
	for _, l := range kq.pairLexemes {
		out[l] = stats.idf(l)
	}
	return out
}

// accumulate sums the contributions of lists per doc_no. When the doc_nos
// seen span a range at most denseFactor times the number of postings (as
// they do in a feed loaded in bulk), scores go into an array indexed by
// doc_no − lo, several times cheaper than a map; otherwise into a map.
func (e *Engine) accumulate(lists []scoredList, avgLen float64) []docScore {
	total, lo, hi := 0, int64(math.MaxInt64), int64(math.MinInt64)
	for _, l := range lists {
		total += len(l.docs)
		for _, d := range l.docs {
			lo, hi = min(lo, d), max(hi, d)
		}
	}
	if total == 0 {
		return nil
	}
	const denseFactor = 4
	if span := hi - lo + 1; span <= int64(denseFactor*total) {
		return e.accumulateDense(lists, avgLen, lo, span)
	}
	out := make([]docScore, 0, total/2)
	at := make(map[int64]int, total/2)
	for _, l := range lists {
		for i, d := range l.docs {
			s := e.opts.bm25Term(l.idf, avgLen, l.packed[i])
			if j, ok := at[d]; ok {
				out[j].score += s
			} else {
				at[d] = len(out)
				out = append(out, docScore{doc: d, score: s})
			}
		}
	}
	return out
}

// accumulateDense is accumulate into arrays over doc_nos lo..lo+span-1.
func (e *Engine) accumulateDense(lists []scoredList, avgLen float64, lo, span int64) []docScore {
	sums := make([]float64, span)
	seen := make([]bool, span)
	distinct := 0
	for _, l := range lists {
		for i, d := range l.docs {
			sums[d-lo] += e.opts.bm25Term(l.idf, avgLen, l.packed[i])
			if !seen[d-lo] {
				seen[d-lo] = true
				distinct++
			}
		}
	}
	out := make([]docScore, 0, distinct)
	for i, ok := range seen {
		if ok {
			out = append(out, docScore{doc: lo + int64(i), score: sums[i]})
		}
	}
	return out
}

// better orders scores best first: higher score, then lower doc_no.
func better(a, b docScore) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return cmp.Compare(a.doc, b.doc)
}

// bestScores returns the best m of scores in order, leaving scores as they
// are: a bounded heap, so the cost is len(scores) × log m, not a full sort.
func bestScores(scores []docScore, m int) []docScore {
	if m >= len(scores) {
		out := slices.Clone(scores)
		slices.SortFunc(out, better)
		return out
	}
	// h is a heap whose root is the worst of the best m seen so far.
	h := slices.Clone(scores[:m])
	worse := func(i, j int) bool { return better(h[i], h[j]) > 0 }
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && worse(c+1, c) {
				c++
			}
			if !worse(c, i) {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for _, s := range scores[m:] {
		if better(s, h[0]) < 0 {
			h[0] = s
			down(0)
		}
	}
	slices.SortFunc(h, better)
	return h
}
