package search

import (
	"context"
	"errors"
	"fmt"

	"github.com/kapi-project/kapi/embed"
)

// hybridSearch answers a ModeHybrid query: both legs run concurrently, each
// over its best max(offset+limit, candidateWindow) candidates, and are fused
// by RRF. When the embedder is unavailable, the keyword leg alone is fused (so
// the order is the keyword order and scores stay on the RRF scale) and the
// Result says Degraded.
func (e *Engine) hybridSearch(ctx context.Context, q Query) (Result, error) {
	n := max(q.Offset+q.Limit, candidateWindow)
	type legResult struct {
		cands []candidate
		err   error
	}
	keywordDone := make(chan legResult, 1)
	go func() {
		cands, err := e.keywordLeg(ctx, q, n)
		keywordDone <- legResult{cands, err}
	}()
	semantic, semErr := e.hybridSemanticLeg(ctx, q, n)
	kw := <-keywordDone
	if kw.err != nil {
		return Result{}, kw.err
	}
	degraded := errors.Is(semErr, embed.ErrUnavailable)
	if semErr != nil && !degraded {
		return Result{}, semErr
	}
	fused := fuse(kw.cands, semantic)
	hits, err := e.fillEntries(ctx, page(fused, q.Offset, q.Limit))
	setSemPassages(hits, semantic)
	return Result{Hits: hits, HasMore: len(fused) > q.Offset+q.Limit, Degraded: degraded}, err
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
