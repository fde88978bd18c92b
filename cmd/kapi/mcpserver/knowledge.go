package mcpserver

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/search"
)

type searchInput struct {
	Query          string    `json:"query" jsonschema:"the question or keywords to search for (1..1000 characters; quotes, OR and - work in keyword mode)"`
	Feed           string    `json:"feed,omitempty" jsonschema:"a feed UUID or slug (see list_feeds), or all to search every subscribed feed (at most 10); omit it to use the most-populated subscribed feed"`
	Mode           string    `json:"mode,omitempty" jsonschema:"keyword (default, full-text), semantic (meaning) or hybrid (both fused)"`
	Categories     flexList  `json:"categories,omitempty" jsonschema:"only entries of these categories (an array, or a comma-separated string)"`
	ConfidenceMin  flexFloat `json:"confidence_min,omitzero" jsonschema:"only entries with at least this confidence, 0..1"`
	Limit          flexInt   `json:"limit,omitzero" jsonschema:"how many results, 1..50, default 5"`
	Verbosity      string    `json:"verbosity,omitempty" jsonschema:"compact (default) or full (adds created_at, updated_at, raw_score, each leg's rank and score, and highlight: the best passage with matched terms in <mark>)"`
	Fusion         string    `json:"fusion,omitempty" jsonschema:"hybrid only: rrf (weighted reciprocal rank fusion) or relative (min-max normalised scores); default: the embedding model's"`
	SemanticWeight flexFloat `json:"semantic_weight,omitzero" jsonschema:"hybrid only: the semantic leg's weight 0..1 (keyword gets 1 minus it; 0 ranks like keyword, 1 like semantic); default: the embedding model's"`
}

type searchOutput struct {
	Results []wire.Entry `json:"results" jsonschema:"the matching entries, best first"`
	HasMore bool         `json:"has_more" jsonschema:"more results exist past limit"`
	Mode    string       `json:"mode" jsonschema:"the search mode used"`
	// Degraded: a hybrid search answered from the keyword leg alone.
	Degraded       bool     `json:"degraded,omitempty" jsonschema:"true when hybrid search fell back to keyword only"`
	Fusion         string   `json:"fusion,omitempty" jsonschema:"hybrid only: the fusion used"`
	SemanticWeight *float64 `json:"semantic_weight,omitempty" jsonschema:"hybrid only: the semantic weight used"`
	servedBy
}

// searchKnowledge is search_knowledge: REST's GET /knowledge/search.
func (s *server) searchKnowledge(ctx context.Context, c call, in searchInput) (searchOutput, error) {
	q, full, err := searchQuery(c, in)
	if err != nil {
		return searchOutput{}, err
	}
	res, err := s.resolveFeeds(ctx, c.principal, in.Feed, scopeSearch)
	if err != nil {
		return searchOutput{}, err
	}
	q.Feeds = wire.SearchFeeds(res.Feeds)
	hits, err := s.engine.Search(ctx, q)
	if err != nil {
		return searchOutput{}, err
	}
	names := wire.NamesOf(res.Feeds)
	out := searchOutput{Results: make([]wire.Entry, len(hits.Hits)), HasMore: hits.HasMore,
		Mode: string(q.Mode), Degraded: hits.Degraded, servedBy: newServedBy(res)}
	if q.Mode == search.ModeHybrid {
		out.Fusion, out.SemanticWeight = string(hits.Fusion), &hits.SemanticWeight
	}
	for i, h := range hits.Hits {
		out.Results[i] = wire.NewHit(h, names, full)
	}
	return out, nil
}

// searchQuery checks the search arguments' values.
func searchQuery(c call, in searchInput) (search.Query, bool, error) {
	var q search.Query
	var err error
	if q.Text, err = textArg("query", in.Query, maxQueryLength); err != nil {
		return q, false, err
	}
	if q.Text == "" {
		return q, false, invalid("query", "query is required: the question or keywords to search for")
	}
	switch mode := search.Mode(in.Mode); mode {
	case "":
		q.Mode = search.ModeKeyword
	case search.ModeKeyword, search.ModeSemantic, search.ModeHybrid:
		q.Mode = mode
	default:
		return q, false, invalid("mode", "mode must be keyword, semantic or hybrid")
	}
	if q.Limit, err = intArg("limit", in.Limit, defaultLimit, 1, maxLimit); err != nil {
		return q, false, err
	}
	if q.ConfidenceMin, err = confidenceArg(in.ConfidenceMin); err != nil {
		return q, false, err
	}
	switch f := search.Fusion(in.Fusion); f {
	case "", search.FusionRRF, search.FusionRelative:
		q.Fusion = f
	default:
		return q, false, invalid("fusion", "fusion must be rrf or relative")
	}
	if in.SemanticWeight.Set {
		if w := in.SemanticWeight; w.bad || !(w.Value >= 0 && w.Value <= 1) {
			return q, false, invalid("semantic_weight", "semantic_weight must be a number between 0 and 1")
		}
		q.SemanticWeight = &in.SemanticWeight.Value
	}
	if q.Categories, err = categoryArgs(in.Categories); err != nil {
		return q, false, err
	}
	if err := checkCategories(c.principal, q.Categories...); err != nil {
		return q, false, err
	}
	q.AllowedCategories = c.principal.AllowedCategories
	full, err := verbosityArg(in.Verbosity, "compact")
	q.Highlight = full
	return q, full, err
}

type recentInput struct {
	Feed      string  `json:"feed,omitempty" jsonschema:"a feed UUID or slug (see list_feeds), or all for every subscribed feed (at most 10); omit it to use the most-populated subscribed feed"`
	Days      flexInt `json:"days,omitzero" jsonschema:"entries updated in the last this many days, 1..3650, default 7"`
	Since     string  `json:"since,omitempty" jsonschema:"entries updated at or after this RFC 3339 time; overrides days"`
	Category  string  `json:"category,omitempty" jsonschema:"only entries of this category"`
	Limit     flexInt `json:"limit,omitzero" jsonschema:"how many entries, 1..50, default 5"`
	Verbosity string  `json:"verbosity,omitempty" jsonschema:"compact (default) or full (adds created_at and updated_at)"`
}

type recentOutput struct {
	Entries []wire.Entry `json:"entries" jsonschema:"the entries, most recently updated first"`
	Total   int64        `json:"total" jsonschema:"how many entries match in all"`
	HasMore bool         `json:"has_more"`
	servedBy
}

// recentKnowledge is get_recent_knowledge: REST's GET /knowledge/recent.
func (s *server) recentKnowledge(ctx context.Context, c call, in recentInput) (recentOutput, error) {
	q, full, err := s.recentQuery(c, in)
	if err != nil {
		return recentOutput{}, err
	}
	res, err := s.resolveFeeds(ctx, c.principal, in.Feed, scopeSearch)
	if err != nil {
		return recentOutput{}, err
	}
	q.Feeds = wire.SearchFeeds(res.Feeds)
	entries, total, err := s.engine.List(ctx, q)
	if err != nil {
		return recentOutput{}, err
	}
	names := wire.NamesOf(res.Feeds)
	out := recentOutput{Entries: make([]wire.Entry, len(entries)), Total: total,
		HasMore: int64(len(entries)) < total, servedBy: newServedBy(res)}
	for i, e := range entries {
		out.Entries[i] = wire.NewEntry(e, names, full)
	}
	return out, nil
}

func (s *server) recentQuery(c call, in recentInput) (search.ListQuery, bool, error) {
	var q search.ListQuery
	var err error
	if q.Limit, err = intArg("limit", in.Limit, defaultLimit, 1, maxLimit); err != nil {
		return q, false, err
	}
	if q.Since, err = sinceArg(in.Since, in.Days, s.now()); err != nil {
		return q, false, err
	}
	if in.Category != "" {
		if q.Category = search.NormaliseCategory(in.Category); q.Category == "" {
			return q, false, invalid("category", "category must contain a letter or digit")
		}
	}
	if err := checkCategories(c.principal, q.Category); err != nil {
		return q, false, err
	}
	q.AllowedCategories = c.principal.AllowedCategories
	full, err := verbosityArg(in.Verbosity, "compact")
	return q, full, err
}

type categoryInput struct {
	Feed string `json:"feed,omitempty" jsonschema:"a feed UUID or slug (see list_feeds); omit it to use the most-populated subscribed feed"`
}

type categoryDTO struct {
	Category    string `json:"category"`
	Count       int64  `json:"count"`
	Description string `json:"description"`
}

type categoryOutput struct {
	Categories []categoryDTO `json:"categories" jsonschema:"the feed's categories with their entry counts, most entries first"`
	servedBy
}

// categorySummary is get_category_summary: REST's GET /categories.
func (s *server) categorySummary(ctx context.Context, c call, in categoryInput) (categoryOutput, error) {
	res, err := s.resolveFeeds(ctx, c.principal, in.Feed, scopeCategories)
	if err != nil {
		return categoryOutput{}, err
	}
	counts, err := s.engine.Categories(ctx, wire.SearchFeeds(res.Feeds), c.principal.AllowedCategories)
	if err != nil {
		return categoryOutput{}, err
	}
	out := categoryOutput{Categories: make([]categoryDTO, len(counts)), servedBy: newServedBy(res)}
	for i, cc := range counts {
		out.Categories[i] = categoryDTO{Category: cc.Category, Count: cc.Count, Description: cc.Description}
	}
	return out, nil
}

type getInput struct {
	ID   string `json:"id" jsonschema:"the entry's id (a UUID, as returned by search_knowledge)"`
	Feed string `json:"feed" jsonschema:"the entry's feed: its UUID (feed_id of a result) or slug"`
}

type getOutput struct {
	Entry wire.Entry `json:"entry" jsonschema:"the entry, in full"`
	servedBy
}

// getKnowledge is get_knowledge: REST's GET /knowledge/{id}, scoped to the feed.
func (s *server) getKnowledge(ctx context.Context, c call, in getInput) (getOutput, error) {
	id, err := uuid.Parse(in.ID)
	if err != nil {
		return getOutput{}, invalid("id", "id must be an entry UUID")
	}
	res, err := s.resolveFeeds(ctx, c.principal, in.Feed, scopeSingle)
	if err != nil {
		return getOutput{}, err
	}
	e, err := s.engine.Get(ctx, wire.SearchFeeds(res.Feeds), id, c.principal.AllowedCategories)
	if errors.Is(err, search.ErrNotFound) {
		return getOutput{}, newError(wire.CodeNotFound, "No such entry in this feed.", nil)
	}
	if err != nil {
		return getOutput{}, err
	}
	return getOutput{Entry: wire.NewEntry(e, wire.NamesOf(res.Feeds), true), servedBy: newServedBy(res)}, nil
}
