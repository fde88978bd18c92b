package rest

import (
	"errors"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// Feed-scope headers (API.md §2).
const (
	headerFeed          = "X-PostGrad-Feed"
	headerAutoSelected  = "X-PostGrad-Feed-Auto-Selected"
	headerFeedsSearched = "X-PostGrad-Feeds-Searched"
	headerFeedsTrunc    = "X-PostGrad-Feeds-Truncated"
	legacyFeedWarning   = `299 postgrad "feed_id is deprecated; send the X-PostGrad-Feed header"`
)

// scopeKind says which feed rules an endpoint follows.
type scopeKind int

const (
	scopeSearch     scopeKind = iota // search, recent: "all" allowed, auto-select
	scopeCategories                  // categories: auto-select, no "all"
	scopeSingle                      // list, get: one feed, or the only subscribed one
)

// resolveFeeds applies the feed header rules for the calling account, sets the
// feed response headers and the envelope's context, and returns the feeds.
func (s *Server) resolveFeeds(c *gin.Context, kind scopeKind) ([]feeds.Feed, error) {
	value := c.GetHeader(headerFeed)
	if value == "" {
		if legacy := c.Query("feed_id"); legacy != "" {
			value = legacy
			c.Header("Warning", legacyFeedWarning)
		} else if kind == scopeSearch {
			value = c.Query("feed") // ?feed=all
		}
	}
	if len(value) > maxParamLength {
		return nil, apiError(wire.CodeInvalidFeed, "", feedsHint())
	}
	res, err := s.catalog.Resolve(c.Request.Context(), principal(c).AccountID, feeds.Selection{
		Value: value, AllowAll: kind == scopeSearch, AutoSelect: kind != scopeSingle,
	})
	if err != nil {
		return nil, scopeError(err)
	}
	if res.AutoSelected {
		c.Header(headerAutoSelected, res.Feeds[0].ID.String())
	}
	if res.All {
		c.Header(headerFeedsSearched, strconv.Itoa(len(res.Feeds)))
		if res.Truncated > 0 {
			c.Header(headerFeedsTrunc, strconv.Itoa(res.Truncated))
		}
	}
	state(c).context = &RespContext{Feeds: wire.FeedRefs(res.Feeds)}
	return res.Feeds, nil
}

func feedsHint() map[string]any {
	return map[string]any{"list_feeds": "GET /api/v1/feeds"}
}

// scopeError turns a feed resolution failure into its API error, keeping the
// resolver's words.
func scopeError(err error) error {
	var se *feeds.SelectionError
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case errors.Is(err, feeds.ErrInvalidSelection):
		return apiError(wire.CodeInvalidFeed, se.Message, feedsHint())
	case errors.Is(err, feeds.ErrNotFound):
		return apiError(wire.CodeNotFound, "No such feed.", feedsHint())
	case errors.Is(err, feeds.ErrNotSubscribed):
		return apiError(wire.CodeFeedNotSubscribed, se.Message, feedsHint())
	case errors.Is(err, feeds.ErrUnavailable):
		return apiError(wire.CodeFeedUnavailable, se.Message, nil)
	}
	return err
}

// checkCategories enforces the key's allowed categories on explicitly requested
// ones (403 CATEGORY_RESTRICTED); results are otherwise filtered silently.
func checkCategories(p auth.Principal, requested ...string) error {
	if p.AllowedCategories == nil {
		return nil
	}
	for _, c := range requested {
		if c != "" && !slices.Contains(p.AllowedCategories, c) {
			return apiError(wire.CodeCategoryRestricted, "This API key may not read category \""+c+"\".",
				map[string]any{"category": c, "allowed_categories": p.AllowedCategories})
		}
	}
	return nil
}

// normaliseCategory is the stored form of a category name.
func normaliseCategory(s string) string { return search.NormaliseCategory(s) }
