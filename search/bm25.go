package search

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// docScore is an entry version's BM25 score.
type docScore struct {
	doc   int64 // doc_no
	score float64
}

// collectionStats are the BM25 statistics of the feeds searched, together.
type collectionStats struct {
	docs   float64            // N: live entries
	avgLen float64            // mean entry length in lexeme positions
	df     map[string]float64 // entries containing each lexeme
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

// scoreBM25 reads the statistics and postings of kq's lexemes and returns the
// score of every entry version that has one, unordered, with the statistics.
// Entries outside a phrase restriction are left out.
func (e *Engine) scoreBM25(ctx context.Context, q Query, kq keywordQuery) ([]docScore, collectionStats, error) {
	feeds := feedIDs(q.Feeds)
	batch := &pgx.Batch{}
	batch.Queue(keywordStatsSQL, feeds)
	batch.Queue(keywordDFSQL, kq.pairFeeds, kq.pairLexemes)
	batch.Queue(keywordPostingsSQL, kq.pairFeeds, kq.pairLexemes)
	if kq.required {
		batch.Queue(keywordRequiredSQL, feeds, kq.langs, kq.filters)
	}
	br := e.pool.SendBatch(ctx, batch)
	defer br.Close()
	stats, err := readStats(br)
	if err != nil {
		return nil, stats, fmt.Errorf("keyword search: statistics: %w", err)
	}
	scores, err := e.sumPostings(br, stats)
	if err != nil {
		return nil, stats, fmt.Errorf("keyword search: postings: %w", err)
	}
	if kq.required {
		if scores, err = keepRequired(br, scores); err != nil {
			return nil, stats, fmt.Errorf("keyword search: phrases: %w", err)
		}
	}
	return scores, stats, br.Close()
}

// idfs is the IDF of each of kq's lexemes under stats.
func (kq keywordQuery) idfs(stats collectionStats) map[string]float64 {
	out := make(map[string]float64, len(kq.pairLexemes))
	for _, l := range kq.pairLexemes {
		out[l] = stats.idf(l)
	}
	return out
}

// readStats reads the results of keywordStatsSQL and keywordDFSQL.
func readStats(br pgx.BatchResults) (collectionStats, error) {
	s := collectionStats{df: map[string]float64{}}
	rows, err := br.Query()
	if err != nil {
		return s, err
	}
	var feed uuid.UUID
	var docs, length int64
	var total float64
	if _, err := pgx.ForEachRow(rows, []any{&feed, &docs, &length}, func() error {
		s.docs += float64(docs)
		total += float64(length)
		return nil
	}); err != nil {
		return s, err
	}
	if s.docs > 0 {
		s.avgLen = total / s.docs
	}
	if rows, err = br.Query(); err != nil {
		return s, err
	}
	var lexeme string
	var df int64
	_, err = pgx.ForEachRow(rows, []any{&lexeme, &df}, func() error {
		s.df[lexeme] += float64(df)
		return nil
	})
	return s, err
}

// postingList is one block of a lexeme's postings, as read: two aligned
// strings of big-endian 8-byte integers (003_keyword.sql).
type postingList struct {
	idf          float64
	docs, packed []byte
}

func (l postingList) len() int { return len(l.docs) / 8 }

func (l postingList) at(i int) (doc, packed int64) {
	return int64(binary.BigEndian.Uint64(l.docs[8*i:])), int64(binary.BigEndian.Uint64(l.packed[8*i:]))
}

// sumPostings adds up every posting's contribution per doc_no.
func (e *Engine) sumPostings(br pgx.BatchResults, stats collectionStats) ([]docScore, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	var lists []postingList
	var lexeme string
	var docs, packed []byte
	idfs := map[string]float64{}
	total, lo, hi := 0, int64(math.MaxInt64), int64(math.MinInt64)
	_, err = pgx.ForEachRow(rows, []any{&lexeme, &docs, &packed}, func() error {
		if len(docs)%8 != 0 || len(docs) != len(packed) {
			return fmt.Errorf("lexeme %q: a block of %d and %d bytes", lexeme, len(docs), len(packed))
		}
		idf, ok := idfs[lexeme]
		if !ok {
			idf = stats.idf(lexeme)
			idfs[lexeme] = idf
		}
		l := postingList{idf: idf, docs: docs, packed: packed}
		for i := range l.len() {
			d, _ := l.at(i)
			lo, hi = min(lo, d), max(hi, d)
		}
		total += l.len()
		lists = append(lists, l)
		docs, packed = nil, nil // the next row gets slices of its own
		return nil
	})
	if err != nil || total == 0 {
		return nil, err
	}
	return e.accumulate(lists, stats.avgLen, lo, hi, total), nil
}

// accumulate sums the contributions of lists per doc_no. When the doc_nos
// seen span a range at most denseFactor times the number of postings (as
// they do in a feed loaded in bulk), scores go into an array indexed by
// doc_no − lo, several times cheaper than a map; otherwise into a map.
func (e *Engine) accumulate(lists []postingList, avgLen float64, lo, hi int64, total int) []docScore {
	const denseFactor = 4
	if span := hi - lo + 1; span <= int64(denseFactor*total) {
		sums := make([]float64, span)
		seen := make([]bool, span)
		distinct := 0
		for _, l := range lists {
			for i := range l.len() {
				d, p := l.at(i)
				sums[d-lo] += e.opts.bm25Term(l.idf, avgLen, p)
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
	out := make([]docScore, 0, total/2)
	at := make(map[int64]int, total/2)
	for _, l := range lists {
		for i := range l.len() {
			d, p := l.at(i)
			s := e.opts.bm25Term(l.idf, avgLen, p)
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

// keepRequired keeps the scores of the doc_nos keywordRequiredSQL returns.
func keepRequired(br pgx.BatchResults, scores []docScore) ([]docScore, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	ok := map[int64]bool{}
	var doc int64
	if _, err := pgx.ForEachRow(rows, []any{&doc}, func() error {
		ok[doc] = true
		return nil
	}); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(scores, func(s docScore) bool { return !ok[s.doc] }), nil
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
