package mcpserver

import "github.com/kapi-project/kapi/cmd/kapi/api"

// servedBy says which feed(s) served a result, as REST's context block and feed
// headers do.
type servedBy struct {
	Feeds          []api.FeedRef `json:"feeds" jsonschema:"the feeds that served this result"`
	AutoSelected   bool          `json:"auto_selected" jsonschema:"true when no feed was named and the most-populated subscribed feed was used"`
	FeedsTruncated int           `json:"feeds_truncated,omitempty" jsonschema:"with feed all: subscribed feeds left out past the first 10"`
}

func newServedBy(sv api.Served) servedBy {
	return servedBy{Feeds: sv.Feeds, AutoSelected: sv.AutoSelected && !sv.All, FeedsTruncated: sv.Truncated}
}
