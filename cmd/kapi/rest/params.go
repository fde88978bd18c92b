package rest

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// Binding: how REST reads the request layer's arguments from query strings,
// headers and bodies. The request layer and the domain check the values.

// Feed selection headers (API.md §2).
const (
	headerFeed          = "X-PostGrad-Feed"
	headerAutoSelected  = "X-PostGrad-Feed-Auto-Selected"
	headerFeedsSearched = "X-PostGrad-Feeds-Searched"
	headerFeedsTrunc    = "X-PostGrad-Feeds-Truncated"
	legacyFeedWarning   = `299 postgrad "feed_id is deprecated; send the X-PostGrad-Feed header"`
)

// feedArg is the feed selection: the X-PostGrad-Feed header, else the legacy
// ?feed_id= (with a Warning), else, where "all" is allowed, ?feed=.
func feedArg(c *gin.Context, allowAll bool) string {
	if v := c.GetHeader(headerFeed); v != "" {
		return v
	}
	if legacy := c.Query("feed_id"); legacy != "" {
		c.Header("Warning", legacyFeedWarning)
		return legacy
	}
	if allowAll {
		return c.Query("feed") // ?feed=all
	}
	return ""
}

// intArg reads a whole-number parameter.
func intArg(c *gin.Context, name string) api.Int {
	raw, ok := c.GetQuery(name)
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	return api.Int{Value: n, Set: ok, Bad: ok && err != nil}
}

// floatArg reads a number parameter.
func floatArg(c *gin.Context, name string) api.Float {
	raw, ok := c.GetQuery(name)
	f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
	return api.Float{Value: f, Set: ok, Bad: ok && err != nil}
}

// verbosityArg reads verbosity; REST's default is full.
func verbosityArg(c *gin.Context) string { return cmp.Or(c.Query("verbosity"), api.Full) }

// bindJSON decodes the request body, one JSON value, into dst (api.DecodeJSON).
func bindJSON(c *gin.Context, dst any) error { return api.DecodeJSON(c.Request.Body, dst) }

// servedHeaders say which feeds served the request: the auto-selected one, or
// how many "all" searched and left out.
func servedHeaders(c *gin.Context, sv api.Served) {
	if sv.AutoSelected {
		c.Header(headerAutoSelected, sv.Feeds[0].ID)
	}
	if sv.All {
		c.Header(headerFeedsSearched, strconv.Itoa(len(sv.Feeds)))
		if sv.Truncated > 0 {
			c.Header(headerFeedsTrunc, strconv.Itoa(sv.Truncated))
		}
	}
}
