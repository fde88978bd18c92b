package search

import (
	"context"
	"errors"
	"fmt"

	"github.com/kapi-project/kapi/embed"
)

// hybridSearch answers a ModeHybrid query: both legs run concurrently, each
// over its best max(offset+limit, its window) candidates (Options.KeywordWindow,
// Options.SemanticWindow, never under the contract's candidateWindow), and are
// fused by q's fusion and semantic weight (a leg of weight 0 is not run). When the
// embedder is unavailable, the keyword leg alone is fused with weight 1 (so
// the order is the keyword order) and the Result says Degraded.
func (e *Engine) hybridSearch(ctx context.Context, q Query) (Result, error) {
	nKeyword := max(q.Offset+q.Limit, e.opts.KeywordWindow, candidateWindow)
	nSemantic := max(q.Offset+q.Limit, e.opts.SemanticWindow, candidateWindow)
	type legResult struct {
		cands []candidate
		idf   map[string]float64
		err   error
	}
	fusion, w := e.fusionOf(q)
	keywordDone := make(chan legResult, 1)
	go func() {
		if w == 1 {
			keywordDone <- legResult{}
			return
		}
		cands, idf, err := e.keywordLeg(ctx, q, nKeyword)
		keywordDone <- legResult{cands, idf, err}
	}()
	var semantic []candidate
	var semErr error
	if w > 0 {
		semantic, semErr = e.hybridSemanticLeg(ctx, q, nSemantic)
	}
	kw := <-keywordDone
	if kw.err != nil {
		return Result{}, kw.err
	}
	degraded := errors.Is(semErr, embed.ErrUnavailable)
	if semErr != nil && !degraded {
		return Result{}, semErr
	}
	res := Result{Fusion: fusion, SemanticWeight: w, Degraded: degraded, idf: kw.idf}
	if degraded {
		if w == 1 { // the keyword leg was skipped: run it now
			if kw.cands, kw.idf, kw.err = e.keywordLeg(ctx, q, nKeyword); kw.err != nil {
				return Result{}, kw.err
			}
		}
		w = 0
	}
	fused := fuse(kw.cands, semantic, fusion, w, e.opts.NormalizeDepth)
	hits, err := e.fillEntries(ctx, page(fused, q.Offset, q.Limit))
	setSemPassages(hits, semantic)
	res.Hits, res.HasMore = hits, len(fused) > q.Offset+q.Limit
	return res, err
}

// fusionOf is q's fusion and semantic weight, each defaulting to the
// embedding model's (FusionDefaults).
func (e *Engine) fusionOf(q Query) (Fusion, float64) {
	f, w := FusionDefaults(e.embedder.Model().Name)
	if q.Fusion != "" {
		f = q.Fusion
	}
	if q.SemanticWeight != nil {
		w = *q.SemanticWeight
	}
	return f, w
}

// hybridSemanticLeg embeds the query and runs the semantic leg.
// Errors: wrapping embed.ErrUnavailable when the embedder cannot answer.
func (e *Engine) hybridSemanticLeg(ctx context.Context, q Query, n int) ([]candidate, error) {
	vec, err := e.embedQuery(ctx, q.Text)
	if err != nil {
		return nil, fmt.Errorf("hybrid: %w", err)
	}
	return e.semanticLeg(ctx, q, vec, n)
}
