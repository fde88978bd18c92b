package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kapi-project/kapi/search"
)

// Depths of the quality metrics: nDCG@10 and MRR@10 read the first page of
// 10 hits (the API's usual page); Recall@100 reads the first 100.
const (
	topK      = 10
	recallK   = 100
	pageLimit = search.MaxLimit // the deepest page Search returns at once
)

// QueryResult is how one mode did on one test query.
type QueryResult struct {
	ID            string
	Judged        bool // has a relevant doc; only judged queries enter the means
	NDCG10        float64
	Recall100     float64
	RR10          float64
	FirstRelevant int           // 1-based rank in the first 100, 0: none
	Latency       time.Duration // of the timed first-page search
}

// ModeResult is one mode's means over the judged test queries, with the
// latency of every query's first-page search.
type ModeResult struct {
	Mode        search.Mode
	Queries     int // judged queries in the means
	NDCG10      float64
	Recall100   float64
	MRR10       float64
	LatencyMean time.Duration
	LatencyP95  time.Duration
	PerQuery    []QueryResult // in coll.TestQueries order
}

// Ingest stores docs in feed through eng.Ingest (the API's ingestion path,
// embedding included), in batches of search.MaxBatch, calling progress with
// the number of docs handled so far after each batch. A doc with neither
// title nor text cannot be an entry (the API rejects it); Ingest skips it and
// counts it in skipped (Cranfield has a few). Errors: Ingest's, wrapped.
func Ingest(ctx context.Context, eng *search.Engine, feed search.Feed, docs []Doc, progress func(done int)) (skipped int, err error) {
	for start := 0; start < len(docs); start += search.MaxBatch {
		part := docs[start:min(len(docs), start+search.MaxBatch)]
		batch := make([]search.NewEntry, 0, len(part))
		for _, d := range part {
			if strings.TrimSpace(d.Title) == "" && strings.TrimSpace(d.Text) == "" {
				skipped++
				continue
			}
			batch = append(batch, search.NewEntry{ExternalID: d.ID, Title: d.Title, Content: d.Text})
		}
		if _, err := eng.Ingest(ctx, feed, batch); err != nil {
			return skipped, fmt.Errorf("ingest docs %d-%d: %w", start, start+len(part)-1, err)
		}
		progress(start + len(part))
	}
	return skipped, nil
}

// Evaluate runs every test query of coll in mode against feed, through
// eng.Search as the API calls it, and scores the hits with coll's qrels. The
// timed search asks for the first page of 10 (nDCG@10, MRR@10); two untimed
// pages of 50 then give the first 100 for Recall@100 (Search pages at most
// 50 hits; an id repeated across the two pages counts once). Errors: the
// first failed search, naming the query.
func Evaluate(ctx context.Context, eng *search.Engine, feed search.Feed, coll *Collection, mode search.Mode) (ModeResult, error) {
	return EvaluateQuery(ctx, eng, feed, coll, search.Query{Mode: mode})
}

// EvaluateQuery is Evaluate with every search shaped like tmpl (its mode,
// fusion and semantic weight; text, feeds and paging are set per query).
func EvaluateQuery(ctx context.Context, eng *search.Engine, feed search.Feed, coll *Collection, tmpl search.Query) (ModeResult, error) {
	ids := coll.TestQueries()
	results := make([]QueryResult, 0, len(ids))
	for _, id := range ids {
		q := tmpl
		q.Text, q.Feeds = truncate(coll.Queries[id], search.MaxQueryChars), []search.Feed{feed}
		r, err := evaluateQuery(ctx, eng, q, coll.Qrels[id])
		if err != nil {
			return ModeResult{}, fmt.Errorf("%s query %s: %w", tmpl.Mode, id, err)
		}
		r.ID = id
		results = append(results, r)
	}
	s := summariseQueries(results)
	s.Mode = tmpl.Mode
	return s, nil
}

// SweepPoint is hybrid search's quality at one fusion and semantic weight.
type SweepPoint struct {
	Fusion         search.Fusion `json:"fusion"`
	SemanticWeight float64       `json:"semantic_weight"`
	NDCG10         float64       `json:"ndcg_at_10"`
	Recall100      float64       `json:"recall_at_100"`
	MRR10          float64       `json:"mrr_at_10"`
}

// Sweep evaluates hybrid search at every fusion × semantic weight.
// Errors: the first failed search.
func Sweep(ctx context.Context, eng *search.Engine, feed search.Feed, coll *Collection, fusions []search.Fusion, weights []float64) ([]SweepPoint, error) {
	var out []SweepPoint
	for _, f := range fusions {
		for _, w := range weights {
			r, err := EvaluateQuery(ctx, eng, feed, coll, search.Query{Mode: search.ModeHybrid, Fusion: f, SemanticWeight: &w})
			if err != nil {
				return nil, fmt.Errorf("sweep %s %.2f: %w", f, w, err)
			}
			out = append(out, SweepPoint{Fusion: f, SemanticWeight: w,
				NDCG10: round(r.NDCG10, 4), Recall100: round(r.Recall100, 4), MRR10: round(r.MRR10, 4)})
		}
	}
	return out, nil
}

func evaluateQuery(ctx context.Context, eng *search.Engine, q search.Query, rels map[string]int) (QueryResult, error) {
	q.Limit = topK
	start := time.Now()
	first, err := eng.Search(ctx, q)
	if err != nil {
		return QueryResult{}, err
	}
	r := QueryResult{Latency: time.Since(start), Judged: Judged(rels)}
	top := externalIDs(first.Hits)
	var deep []string
	for q.Offset, q.Limit = 0, pageLimit; q.Offset < recallK; q.Offset += pageLimit {
		page, err := eng.Search(ctx, q)
		if err != nil {
			return QueryResult{}, err
		}
		deep = append(deep, externalIDs(page.Hits)...)
	}
	r.NDCG10 = NDCG(top, rels, topK)
	r.RR10 = ReciprocalRank(top, rels, topK)
	r.Recall100 = Recall(deep, rels, recallK)
	r.FirstRelevant = FirstRelevant(deep, rels, recallK)
	return r, nil
}

// summariseQueries averages the metrics over the judged queries and the
// latency over all of them.
func summariseQueries(results []QueryResult) ModeResult {
	s := ModeResult{PerQuery: results}
	lat := make([]time.Duration, 0, len(results))
	var total time.Duration
	for _, r := range results {
		lat = append(lat, r.Latency)
		total += r.Latency
		if !r.Judged {
			continue
		}
		s.Queries++
		s.NDCG10 += r.NDCG10
		s.Recall100 += r.Recall100
		s.MRR10 += r.RR10
	}
	if s.Queries > 0 {
		n := float64(s.Queries)
		s.NDCG10, s.Recall100, s.MRR10 = s.NDCG10/n, s.Recall100/n, s.MRR10/n
	}
	if len(lat) > 0 {
		s.LatencyMean = total / time.Duration(len(lat))
		slices.Sort(lat)
		s.LatencyP95 = lat[min(len(lat)-1, len(lat)*95/100)]
	}
	return s
}

func externalIDs(hits []search.Hit) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ExternalID
	}
	return ids
}

// truncate cuts s to at most n characters (Search rejects longer text).
func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
