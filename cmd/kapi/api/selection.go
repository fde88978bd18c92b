package api

import (
	"context"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// selector says which feed rules a request follows (API.md §2).
type selector int

const (
	searching   selector = iota // search, recent: "all" allowed, auto-select
	summarising                 // categories: auto-select, no "all"
	single                      // list, get: one feed, or the only subscribed one
)

// Served says which feeds served a request: REST's context block and feed
// headers, MCP's feeds.
type Served struct {
	Feeds        []FeedRef
	All          bool // "all" was asked for
	AutoSelected bool // no feed was named; Feeds[0] was picked
	Truncated    int  // with All: subscribed feeds left out past the first feeds.MaxFanOut

	feeds []feeds.Feed
}

// selectFeeds resolves the feed selection value ("" when the request names
// none) for p under the rules of how. Errors: a *feeds.SelectionError.
func (s *Service) selectFeeds(ctx context.Context, p auth.Principal, value string, how selector) (Served, error) {
	res, err := s.catalog.Resolve(ctx, p.AccountID, feeds.Selection{
		Value: value, AllowAll: how == searching, AutoSelect: how != single})
	if err != nil {
		return Served{}, err
	}
	return Served{Feeds: feedRefs(res.Feeds), All: res.All, AutoSelected: res.AutoSelected,
		Truncated: res.Truncated, feeds: res.Feeds}, nil
}

// searchFeeds is what search needs of the served feeds.
func (sv Served) searchFeeds() []search.Feed {
	out := make([]search.Feed, len(sv.feeds))
	for i, f := range sv.feeds {
		out[i] = search.Feed{ID: f.ID, Language: f.Language}
	}
	return out
}
