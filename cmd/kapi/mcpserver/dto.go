package mcpserver

import (
	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/feeds"
)

// Tool results use wire's shapes (the same fields as REST's, API.md §5); this
// file holds what only tools say.

// servedBy says which feed(s) served a result, as REST's context block and feed
// headers do.
type servedBy struct {
	Feeds          []wire.FeedRef `json:"feeds" jsonschema:"the feeds that served this result"`
	AutoSelected   bool           `json:"auto_selected" jsonschema:"true when no feed was named and the most-populated subscribed feed was used"`
	FeedsTruncated int            `json:"feeds_truncated,omitempty" jsonschema:"with feed all: subscribed feeds left out past the first 10"`
}

func newServedBy(res feeds.Resolution) servedBy {
	return servedBy{Feeds: wire.FeedRefs(res.Feeds), AutoSelected: res.AutoSelected && !res.All, FeedsTruncated: res.Truncated}
}
