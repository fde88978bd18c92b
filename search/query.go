package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ErrInvalidQuery reports a Query or ListQuery outside the limits of API.md
// §4. The error is a *FieldError naming the argument, except for Query.Feeds
// out of 1..MaxFeeds, which the caller resolves and so is its own bug.
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
// Errors: those of Check, and ErrInvalidQuery for Feeds out of 1..MaxFeeds;
// for ModeSemantic, an error wrapping embed.ErrUnavailable when the embedder
// cannot answer (hybrid then degrades instead, see Result.Degraded); database
// errors wrapped.
func (e *Engine) Search(ctx context.Context, q Query) (Result, error) {
	q, err := checkQuery(q)
	if err != nil {
		return Result{}, err
	}
	e = e.reading(ctx, feedIDs(q.Feeds))
	defer e.hooks.timeSearch(string(q.Mode), time.Now())
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

// checkQuery is Check plus the feeds, which Search needs resolved.
func checkQuery(q Query) (Query, error) {
	if len(q.Feeds) == 0 || len(q.Feeds) > MaxFeeds {
		return q, fmt.Errorf("%w: between 1 and %d feeds, got %d", ErrInvalidQuery, MaxFeeds, len(q.Feeds))
	}
	return q.Check()
}

// More request limits (API.md §4), beside the ones of ranking.go.
const (
	DefaultLimit = 5 // Query.Limit and ListQuery.Limit when a request names none
	// MaxListOffset bounds ListQuery.Offset: a list page is one index scan
	// however deep, but deeper pages are better reached with filters.
	MaxListOffset = 10_000
	MaxCategories = 100 // Query.Categories names at most this many
	// DefaultDays and MaxDays bound the window of a recent list, in days
	// (Since).
	DefaultDays = 7
	MaxDays     = 3_650
)

// FieldError is an argument of a Query or ListQuery outside its limits: the
// field by its name in the API ("query", "mode", "limit", ...), what is wrong
// with it (Problem reads after the field's name: "must be ..."), and the
// bounds to correct it by. It wraps ErrInvalidQuery.
type FieldError struct {
	Field    string
	Problem  string
	Min, Max *float64 // numeric bounds: of the value, or of a text's length
	Allowed  []string // the values of a choice
}

// Error names the field and the problem.
func (e *FieldError) Error() string { return e.Field + " " + e.Problem }

// Unwrap returns ErrInvalidQuery.
func (e *FieldError) Unwrap() error { return ErrInvalidQuery }

// Check validates q against the limits of API.md §4 and normalises its
// categories: everything Search checks but the feeds, so that a request can be
// checked before its feeds are resolved. An empty Mode becomes ModeKeyword.
// Requested categories outside AllowedCategories are no error: they find
// nothing. Errors: a *FieldError (ErrInvalidQuery).
func (q Query) Check() (Query, error) {
	if q.Mode == "" {
		q.Mode = ModeKeyword
	}
	err := firstError(checkText(q.Text), checkChoice("mode", string(q.Mode), modes),
		checkRange("limit", q.Limit, 1, MaxLimit), checkRange("offset", q.Offset, 0, MaxOffset),
		checkFraction("confidence_min", &q.ConfidenceMin), checkFusion(q.Fusion),
		checkFraction("semantic_weight", q.SemanticWeight))
	if err != nil {
		return q, err
	}
	q.AllowedCategories = normaliseCategories(q.AllowedCategories)
	q.Categories, err = checkCategories(q.Categories)
	return q, err
}

// Check validates q against the limits of API.md §4 and normalises its
// category and allowed categories, as Query.Check does. List expects a
// checked query. Errors: a *FieldError (ErrInvalidQuery).
func (q ListQuery) Check() (ListQuery, error) {
	err := firstError(checkRange("limit", q.Limit, 1, MaxLimit), checkRange("offset", q.Offset, 0, MaxListOffset),
		checkFraction("confidence_min", &q.ConfidenceMin), checkLength("query", q.Text, MaxQueryChars))
	q.AllowedCategories = normaliseCategories(q.AllowedCategories)
	if err != nil || q.Category == "" {
		return q, err
	}
	if q.Category = NormaliseCategory(q.Category); q.Category == "" {
		return q, &FieldError{Field: "category", Problem: "must contain a letter or digit"}
	}
	return q, nil
}

// Since is the start of a window of days ending at now: a recent list's
// ListQuery.Since. Errors: a *FieldError for days outside 1..MaxDays.
func Since(now time.Time, days int) (time.Time, error) {
	if err := checkRange("days", days, 1, MaxDays); err != nil {
		return time.Time{}, err
	}
	return now.Add(-time.Duration(days) * 24 * time.Hour), nil
}

var modes = []string{string(ModeKeyword), string(ModeSemantic), string(ModeHybrid)}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func checkText(text string) error {
	if p := TextProblem(text); p != "" {
		return &FieldError{Field: "query", Problem: p}
	}
	if strings.TrimSpace(text) == "" {
		return &FieldError{Field: "query", Problem: "is required: the question or keywords to search for",
			Min: bound(1), Max: bound(MaxQueryChars)}
	}
	return checkLength("query", text, MaxQueryChars)
}

func checkLength(field, text string, maxChars int) error {
	if utf8.RuneCountInString(text) > maxChars {
		return &FieldError{Field: field, Problem: fmt.Sprintf("must be at most %d characters", maxChars), Max: bound(maxChars)}
	}
	return nil
}

func checkRange(field string, n, lo, hi int) error {
	if n < lo || n > hi {
		return &FieldError{Field: field, Problem: fmt.Sprintf("must be a whole number between %d and %d", lo, hi),
			Min: bound(lo), Max: bound(hi)}
	}
	return nil
}

// checkFraction checks an optional number of 0..1; NaN is outside.
func checkFraction(field string, x *float64) error {
	if x != nil && !(*x >= 0 && *x <= 1) {
		return &FieldError{Field: field, Problem: "must be a number between 0 and 1", Min: bound(0), Max: bound(1)}
	}
	return nil
}

func checkChoice(field, v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return &FieldError{Field: field, Problem: "must be " + oneOf(allowed), Allowed: allowed}
	}
	return nil
}

func checkFusion(f Fusion) error {
	if f == "" {
		return nil
	}
	return checkChoice("fusion", string(f), []string{string(FusionRRF), string(FusionRelative)})
}

// oneOf says "a, b or c".
func oneOf(vs []string) string {
	if len(vs) < 2 {
		return strings.Join(vs, "")
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}

func bound(n int) *float64 {
	f := float64(n)
	return &f
}

// checkCategories normalises requested categories; nil stays nil (no filter).
func checkCategories(cs []string) ([]string, error) {
	if len(cs) > MaxCategories {
		return nil, &FieldError{Field: "categories", Problem: fmt.Sprintf("must name at most %d categories", MaxCategories),
			Max: bound(MaxCategories)}
	}
	out := slices.Clone(cs)
	for i, c := range cs {
		if out[i] = NormaliseCategory(c); out[i] == "" {
			return nil, &FieldError{Field: "categories", Problem: "must each contain a letter or digit"}
		}
	}
	return out, nil
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
