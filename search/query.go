package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ErrInvalidQuery reports a Query outside the limits of API.md §4; the message
// names the field. The HTTP layer validates first, so reaching it is a bug there.
var ErrInvalidQuery = errors.New("invalid search query")

// Mode selects how Search retrieves.
type Mode string

// The search modes of API.md §6.
const (
	ModeKeyword  Mode = "keyword"  // Postgres full text
	ModeSemantic Mode = "semantic" // pgvector cosine over the query embedding
	ModeHybrid   Mode = "hybrid"   // Reciprocal Rank Fusion of both
)

// Query is one search request, its feeds already resolved and authorised.
type Query struct {
	Text              string   // 1..MaxQueryChars characters; syntax in querysyntax.go
	Mode              Mode     // empty: ModeKeyword
	Feeds             []Feed   // 1..MaxFeeds; one SQL query per leg covers them all
	Categories        []string // nil: any; names are normalised like stored ones
	AllowedCategories []string // the key's restriction; nil: any, empty: none
	ConfidenceMin     float64  // 0..1
	Limit             int      // 1..MaxLimit
	Offset            int      // 0..MaxOffset
	// Hybrid only: how the legs are fused, and the semantic leg's weight
	// (0..1; the keyword leg weighs 1 − it). Empty or nil: the embedding
	// model's defaults (FusionDefaults).
	Fusion         Fusion
	SemanticWeight *float64
	// Highlight asks for each hit's Highlight (full verbosity), computed for
	// the returned page only.
	Highlight bool
}

// LegScore is a hit's place in one leg's candidate list.
type LegScore struct {
	Rank  int     // 1-based, counted from the first candidate (not the page)
	Score float64 // keyword: BM25; semantic: cosine similarity of the passages (see Options.PassageMeanWeight)
}

// Hit is one search result.
type Hit struct {
	Entry
	// RawScore is the score the hits are ordered by: keyword BM25,
	// semantic cosine similarity, or hybrid fused RRF score.
	RawScore float64
	Keyword  *LegScore // nil when the keyword leg did not return the entry
	Semantic *LegScore // nil when the semantic leg did not return the entry
	Fused    float64   // hybrid only: the fused score (rrf.go)
	// Highlight is the best passage for the query; nil unless
	// Query.Highlight asked for it (or the entry has no passages yet).
	Highlight *Highlight

	semPassage int // the ordinal of the passage that scored in the semantic leg; 0: none
}

// Result is a page of hits, best first.
type Result struct {
	Hits []Hit
	// HasMore reports that the ranked list goes on past this page, for
	// pagination.has_more. Search counts no total: the handler should omit
	// pagination.total (or send null) for search.
	HasMore bool
	// Degraded reports a hybrid search answered from the keyword leg alone
	// because the embedder was unavailable (API.md: meta.degraded = true).
	Degraded bool
	// Hybrid only: the fusion and semantic weight the search used.
	Fusion         Fusion
	SemanticWeight float64

	idf map[string]float64 // the keyword leg's IDF per query lexeme; nil when it did not run
}

// Search runs q and returns the page of hits q.Offset..q.Offset+q.Limit.
// Stop-word-only text finds nothing (an empty Result, no error). There is no
// total count, since each leg only ever looks at its best candidates; see
// Result.HasMore.
//
// Errors: ErrInvalidQuery for a Query outside the limits; for ModeSemantic, an
// error wrapping embed.ErrUnavailable when the embedder cannot answer (hybrid
// then degrades instead, see Result.Degraded); database errors wrapped.
func (e *Engine) Search(ctx context.Context, q Query) (Result, error) {
	q, err := checkQuery(q)
	if err != nil {
		return Result{}, err
	}
	var res Result
	switch q.Mode {
	case ModeSemantic:
		res, err = e.semanticSearch(ctx, q)
	case ModeHybrid:
		res, err = e.hybridSearch(ctx, q)
	default:
		res, err = e.keywordSearch(ctx, q)
	}
	if err == nil && q.Highlight {
		err = e.highlight(ctx, q, res.Hits, res.idf)
	}
	return res, err
}

// checkQuery validates q and normalises its categories.
func checkQuery(q Query) (Query, error) {
	bad := func(format string, args ...any) (Query, error) {
		return q, fmt.Errorf("%w: %s", ErrInvalidQuery, fmt.Sprintf(format, args...))
	}
	if q.Mode == "" {
		q.Mode = ModeKeyword
	}
	switch n := utf8.RuneCountInString(q.Text); {
	case strings.TrimSpace(q.Text) == "":
		return bad("q is required")
	case n > MaxQueryChars:
		return bad("q is longer than %d characters", MaxQueryChars)
	case q.Mode != ModeKeyword && q.Mode != ModeSemantic && q.Mode != ModeHybrid:
		return bad("mode must be keyword, semantic or hybrid, got %q", q.Mode)
	case len(q.Feeds) == 0 || len(q.Feeds) > MaxFeeds:
		return bad("between 1 and %d feeds, got %d", MaxFeeds, len(q.Feeds))
	case q.Limit < 1 || q.Limit > MaxLimit:
		return bad("limit must be between 1 and %d", MaxLimit)
	case q.Offset < 0 || q.Offset > MaxOffset:
		return bad("offset must be between 0 and %d", MaxOffset)
	case math.IsNaN(q.ConfidenceMin) || q.ConfidenceMin < 0 || q.ConfidenceMin > 1:
		return bad("confidence_min must be between 0 and 1")
	case q.Fusion != "" && q.Fusion != FusionRRF && q.Fusion != FusionRelative:
		return bad("fusion must be rrf or relative, got %q", q.Fusion)
	case q.SemanticWeight != nil && !(*q.SemanticWeight >= 0 && *q.SemanticWeight <= 1):
		return bad("semantic_weight must be between 0 and 1")
	}
	q.Categories = normaliseCategories(q.Categories)
	q.AllowedCategories = normaliseCategories(q.AllowedCategories)
	return q, nil
}

// normaliseCategories keeps nil as nil (no filter) and an empty list empty.
func normaliseCategories(cs []string) []string {
	if cs == nil {
		return nil
	}
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		if c = NormaliseCategory(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// filter holds the SQL parameters every leg filters by.
type filter struct {
	feeds      []uuid.UUID
	categories []string // nil: any
	allowed    []string // nil: any
	confMin    float32  // compared with the real column as real, so 0.7 >= 0.7
}

func newFilter(q Query) filter {
	return filter{feedIDs(q.Feeds), q.Categories, q.AllowedCategories, float32(q.ConfidenceMin)}
}

// candidate is one row of a leg's ranked list.
type candidate struct {
	feedID, id uuid.UUID
	score      float64
	passage    int // semantic: the ordinal of the passage that scored; 0: none
}

// scanCandidates reads (feed_id, id, score) rows; what names the leg in errors.
func scanCandidates(rows pgx.Rows, what string) ([]candidate, error) {
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.feedID, &c.id, &c.score); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
