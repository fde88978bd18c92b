package mcpserver

import (
	"cmp"
	"context"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

type searchInput struct {
	Query          string    `json:"query" jsonschema:"the question or keywords to search for (1..1000 characters; quotes, OR and - work in keyword mode)"`
	Feed           string    `json:"feed,omitempty" jsonschema:"a feed UUID or slug (see list_feeds), or all to search every subscribed feed (at most 10); omit it to use the most-populated subscribed feed"`
	Mode           string    `json:"mode,omitempty" jsonschema:"keyword (default, full-text), semantic (meaning) or hybrid (both fused)"`
	Categories     flexList  `json:"categories,omitempty" jsonschema:"only entries of these categories (an array, or a comma-separated string)"`
	ConfidenceMin  flexFloat `json:"confidence_min,omitzero" jsonschema:"only entries with at least this confidence, 0..1"`
	Limit          flexInt   `json:"limit,omitzero" jsonschema:"how many entries, 1..50, default 5"`
	Offset         flexInt   `json:"offset,omitzero" jsonschema:"how many of the best entries to skip, 0..1000, for the next page (see has_more)"`
	Verbosity      string    `json:"verbosity,omitempty" jsonschema:"compact (default) or full (adds created_at, updated_at, raw_score, each leg's rank and score, and highlight: the best passage with matched terms in <mark>)"`
	Fusion         string    `json:"fusion,omitempty" jsonschema:"hybrid only: rrf (weighted reciprocal rank fusion) or relative (min-max normalised scores); default: the embedding model's"`
	SemanticWeight flexFloat `json:"semantic_weight,omitzero" jsonschema:"hybrid only: the semantic leg's weight 0..1 (keyword gets 1 minus it; 0 ranks like keyword, 1 like semantic); default: the embedding model's"`
}

type searchOutput struct {
	Entries []api.Entry `json:"entries" jsonschema:"the matching entries, best first"`
	HasMore bool        `json:"has_more" jsonschema:"more entries exist past this page"`
	Mode    string      `json:"mode" jsonschema:"the search mode used"`
	// Degraded: a hybrid search answered from the keyword leg alone.
	Degraded       bool     `json:"degraded,omitempty" jsonschema:"true when hybrid search fell back to keyword only"`
	Fusion         string   `json:"fusion,omitempty" jsonschema:"hybrid only: the fusion used"`
	SemanticWeight *float64 `json:"semantic_weight,omitempty" jsonschema:"hybrid only: the semantic weight used"`
	servedBy
}

// searchKnowledge is search_knowledge: REST's GET /knowledge/search.
func (s *server) searchKnowledge(ctx context.Context, c call, in searchInput) (searchOutput, error) {
	page, err := s.api.Search(ctx, c.principal, api.SearchArgs{Feed: in.Feed, Query: in.Query, Mode: in.Mode,
		Categories: in.Categories, ConfidenceMin: api.Float(in.ConfidenceMin),
		Limit: api.Int(in.Limit), Offset: api.Int(in.Offset), Fusion: in.Fusion,
		SemanticWeight: api.Float(in.SemanticWeight), Verbosity: cmp.Or(in.Verbosity, api.Compact)})
	if err != nil {
		return searchOutput{}, err
	}
	return searchOutput{Entries: page.Entries, HasMore: page.HasMore, Mode: page.Mode, Degraded: page.Degraded,
		Fusion: page.Fusion, SemanticWeight: page.SemanticWeight, servedBy: newServedBy(page.Served)}, nil
}

type recentInput struct {
	Feed      string  `json:"feed,omitempty" jsonschema:"a feed UUID or slug (see list_feeds), or all for every subscribed feed (at most 10); omit it to use the most-populated subscribed feed"`
	Days      flexInt `json:"days,omitzero" jsonschema:"entries updated in the last this many days, 1..3650, default 7"`
	Since     string  `json:"since,omitempty" jsonschema:"entries updated at or after this RFC 3339 time; overrides days"`
	Category  string  `json:"category,omitempty" jsonschema:"only entries of this category"`
	Limit     flexInt `json:"limit,omitzero" jsonschema:"how many entries, 1..50, default 5"`
	Offset    flexInt `json:"offset,omitzero" jsonschema:"how many of the newest entries to skip, for the next page (see has_more)"`
	Verbosity string  `json:"verbosity,omitempty" jsonschema:"compact (default) or full (adds created_at and updated_at)"`
}

type recentOutput struct {
	Entries []api.Entry `json:"entries" jsonschema:"the entries, most recently updated first"`
	Total   int64       `json:"total" jsonschema:"how many entries match in all"`
	HasMore bool        `json:"has_more" jsonschema:"more entries exist past this page"`
	servedBy
}

// recentKnowledge is get_recent_knowledge: REST's GET /knowledge/recent.
func (s *server) recentKnowledge(ctx context.Context, c call, in recentInput) (recentOutput, error) {
	page, err := s.api.Recent(ctx, c.principal, api.ListArgs{Feed: in.Feed, Category: in.Category,
		Since: in.Since, Days: api.Int(in.Days), Limit: api.Int(in.Limit), Offset: api.Int(in.Offset),
		Verbosity: cmp.Or(in.Verbosity, api.Compact)})
	if err != nil {
		return recentOutput{}, err
	}
	return recentOutput{Entries: page.Entries, Total: page.Total, HasMore: page.HasMore,
		servedBy: newServedBy(page.Served)}, nil
}

type categoryInput struct {
	Feed string `json:"feed,omitempty" jsonschema:"a feed UUID or slug (see list_feeds); omit it to use the most-populated subscribed feed"`
}

type categoryOutput struct {
	Categories []api.Category `json:"categories" jsonschema:"the feed's categories with their entry counts, most entries first"`
	servedBy
}

// categorySummary is get_category_summary: REST's GET /categories.
func (s *server) categorySummary(ctx context.Context, c call, in categoryInput) (categoryOutput, error) {
	out, sv, err := s.api.Categories(ctx, c.principal, in.Feed)
	if err != nil {
		return categoryOutput{}, err
	}
	return categoryOutput{Categories: out, servedBy: newServedBy(sv)}, nil
}

type getInput struct {
	ID   string `json:"id" jsonschema:"the entry's id (a UUID, as returned by search_knowledge)"`
	Feed string `json:"feed" jsonschema:"the entry's feed: its UUID (feed_id of an entry) or slug"`
}

type getOutput struct {
	Entry api.Entry `json:"entry" jsonschema:"the entry, in full"`
	servedBy
}

// getKnowledge is get_knowledge: REST's GET /knowledge/{id}, scoped to the feed.
func (s *server) getKnowledge(ctx context.Context, c call, in getInput) (getOutput, error) {
	e, sv, err := s.api.Get(ctx, c.principal, in.Feed, in.ID, api.Full)
	if err != nil {
		return getOutput{}, err
	}
	return getOutput{Entry: e, servedBy: newServedBy(sv)}, nil
}
