package api

import (
	"context"
	"strings"
	"time"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/search"
)

// Page is a page of knowledge entries (a search or a list) and what served it.
type Page struct {
	Entries []Entry
	// Total: for a list, the entries that match in all; for a search, which
	// counts no total, the hits through this page.
	Total         int64
	Limit, Offset int
	HasMore       bool
	Served        Served
	// Search only: the mode, and for hybrid the fusion and semantic weight
	// used; Degraded when hybrid answered from the keyword leg alone.
	Mode           string
	Fusion         string
	SemanticWeight *float64
	Degraded       bool
}

// SearchArgs are the arguments of a search (API.md §4, §6).
type SearchArgs struct {
	Feed           string // the feed selection: a UUID, a slug or "all"; "" for none
	Query          string
	Mode           string   // "": keyword
	Categories     []string // none: any
	ConfidenceMin  Float
	Limit, Offset  Int
	Fusion         string // "": the embedding model's
	SemanticWeight Float
	Verbosity      string // full | compact
}

// Search runs a search over the selected feeds. Errors: a *search.FieldError
// or an *Error for a bad argument, an *auth.CategoryError, a
// *feeds.SelectionError, and the engine's.
func (s *Service) Search(ctx context.Context, p auth.Principal, a SearchArgs) (Page, error) {
	q, full, err := a.query(p)
	if err != nil {
		return Page{}, err
	}
	sv, err := s.selectFeeds(ctx, p, a.Feed, searching)
	if err != nil {
		return Page{}, err
	}
	q.Feeds = sv.searchFeeds()
	res, err := s.engine.Search(ctx, q)
	if err != nil {
		return Page{}, err
	}
	page := Page{Entries: make([]Entry, len(res.Hits)), Total: int64(q.Offset + len(res.Hits)),
		Limit: q.Limit, Offset: q.Offset, HasMore: res.HasMore, Served: sv, Mode: string(q.Mode), Degraded: res.Degraded}
	names := namesOf(sv.feeds)
	for i, h := range res.Hits {
		page.Entries[i] = newHit(h, names, full)
	}
	if q.Mode == search.ModeHybrid {
		page.Fusion, page.SemanticWeight = string(res.Fusion), &res.SemanticWeight
	}
	return page, nil
}

// query checks the arguments: the search package's limits, then the key's
// categories, then the verbosity.
func (a SearchArgs) query(p auth.Principal) (search.Query, bool, error) {
	categories := a.Categories
	if len(categories) == 0 {
		categories = nil
	}
	q, err := search.Query{Text: strings.TrimSpace(a.Query), Mode: search.Mode(a.Mode), Categories: categories,
		ConfidenceMin: a.ConfidenceMin.Or(0), Limit: a.Limit.Or(search.DefaultLimit), Offset: a.Offset.Or(0),
		Fusion: search.Fusion(a.Fusion), SemanticWeight: a.SemanticWeight.Ptr(), AllowedCategories: p.AllowedCategories,
	}.Check()
	if err != nil {
		return q, false, err
	}
	if err := p.RequireCategories(q.Categories...); err != nil {
		return q, false, err
	}
	full, err := isFull(a.Verbosity)
	q.Highlight = full
	return q, full, err
}

// ListArgs are the arguments of a list of entries, newest first (API.md §4).
type ListArgs struct {
	Feed          string // the feed selection
	Query         string // a full-text filter; "": none
	Category      string // "": any
	ConfidenceMin Float
	Since         string // an RFC 3339 time; "": Days
	Days          Int    // recent lists: the last this many days
	Limit, Offset Int
	Verbosity     string // full | compact
}

// List lists the entries of one feed (or of the only subscribed one).
// Errors: as Search's.
func (s *Service) List(ctx context.Context, p auth.Principal, a ListArgs) (Page, error) {
	return s.list(ctx, p, a, single)
}

// Recent lists the entries updated recently (the last 7 days unless Since or
// Days say otherwise) over one feed or "all". Errors: as Search's.
func (s *Service) Recent(ctx context.Context, p auth.Principal, a ListArgs) (Page, error) {
	return s.list(ctx, p, a, searching)
}

func (s *Service) list(ctx context.Context, p auth.Principal, a ListArgs, how selector) (Page, error) {
	q, full, err := a.query(p, s.now(), how == searching)
	if err != nil {
		return Page{}, err
	}
	sv, err := s.selectFeeds(ctx, p, a.Feed, how)
	if err != nil {
		return Page{}, err
	}
	q.Feeds = sv.searchFeeds()
	entries, total, err := s.engine.List(ctx, q)
	if err != nil {
		return Page{}, err
	}
	page := Page{Entries: make([]Entry, len(entries)), Total: total, Limit: q.Limit, Offset: q.Offset,
		HasMore: int64(q.Offset+len(entries)) < total, Served: sv}
	names := namesOf(sv.feeds)
	for i, e := range entries {
		page.Entries[i] = newEntry(e, names, full)
	}
	return page, nil
}

// query checks the arguments; recent lists default to the last DefaultDays.
func (a ListArgs) query(p auth.Principal, now time.Time, recent bool) (search.ListQuery, bool, error) {
	since, err := a.since(now, recent)
	if err != nil {
		return search.ListQuery{}, false, err
	}
	q, err := search.ListQuery{Text: a.Query, Category: a.Category, ConfidenceMin: a.ConfidenceMin.Or(0),
		Since: since, AllowedCategories: p.AllowedCategories, Limit: a.Limit.Or(search.DefaultLimit),
		Offset: a.Offset.Or(0)}.Check()
	if err != nil {
		return q, false, err
	}
	if err := p.RequireCategories(q.Category); err != nil {
		return q, false, err
	}
	full, err := isFull(a.Verbosity)
	return q, full, err
}

// since is the start of the list: Since, else Days back from now (by default
// DefaultDays for a recent list), else none.
func (a ListArgs) since(now time.Time, recent bool) (*time.Time, error) {
	if a.Since != "" {
		return parseSince(a.Since)
	}
	if !a.Days.Set && !recent {
		return nil, nil
	}
	t, err := search.Since(now, a.Days.Or(search.DefaultDays))
	return &t, err
}

// Get returns entry id of the selected feed (one feed, or the only
// subscribed one). Errors: an *Error for a bad id or verbosity, a
// *feeds.SelectionError, search.ErrNotFound (also for an entry of another
// feed).
func (s *Service) Get(ctx context.Context, p auth.Principal, feed, id, verbosity string) (Entry, Served, error) {
	entryID, err := entryID(id)
	if err != nil {
		return Entry{}, Served{}, err
	}
	full, err := isFull(verbosity)
	if err != nil {
		return Entry{}, Served{}, err
	}
	sv, err := s.selectFeeds(ctx, p, feed, single)
	if err != nil {
		return Entry{}, sv, err
	}
	e, err := s.engine.Get(ctx, sv.searchFeeds(), entryID, p.AllowedCategories)
	if err != nil {
		return Entry{}, sv, err
	}
	return newEntry(e, namesOf(sv.feeds), full), sv, nil
}

// Categories counts the entries per category of the selected feed (or the
// most-populated subscribed one), limited to the key's allowed categories.
// Errors: a *feeds.SelectionError, database errors.
func (s *Service) Categories(ctx context.Context, p auth.Principal, feed string) ([]Category, Served, error) {
	sv, err := s.selectFeeds(ctx, p, feed, summarising)
	if err != nil {
		return nil, sv, err
	}
	counts, err := s.engine.Categories(ctx, sv.searchFeeds(), p.AllowedCategories)
	if err != nil {
		return nil, sv, err
	}
	out := make([]Category, len(counts))
	for i, c := range counts {
		out[i] = Category{Category: c.Category, Count: c.Count, Description: c.Description}
	}
	return out, sv, nil
}
