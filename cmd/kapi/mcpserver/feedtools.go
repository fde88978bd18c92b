package mcpserver

import (
	"context"
	"errors"

	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/feeds"
)

type listFeedsInput struct{}

type listFeedsOutput struct {
	Feeds []wire.Feed `json:"feeds" jsonschema:"the feeds, most entries first; subscription_status is active for the feeds this account can read"`
	Total int64       `json:"total"`
}

// listFeeds is list_feeds: REST's GET /feeds, one page of up to 50 feeds.
func (s *server) listFeeds(ctx context.Context, c call, _ listFeedsInput) (listFeedsOutput, error) {
	list, total, err := s.catalog.List(ctx, c.principal.AccountID, maxLimit, 0)
	if err != nil {
		return listFeedsOutput{}, err
	}
	out := listFeedsOutput{Feeds: make([]wire.Feed, len(list)), Total: total}
	for i, l := range list {
		out.Feeds[i] = wire.NewFeed(l.Feed, l.Categories, l.Subscription)
	}
	return out, nil
}

type subscribeInput struct {
	Feed string `json:"feed" jsonschema:"the feed to subscribe to: its UUID or slug (see list_feeds)"`
}

type subscribeOutput struct {
	Feed wire.Feed `json:"feed" jsonschema:"the feed with the account's subscription"`
}

// subscribeFeed is subscribe_feed: REST's POST /subscriptions/{feed}.
// Subscribing again is a no-op.
func (s *server) subscribeFeed(ctx context.Context, c call, in subscribeInput) (subscribeOutput, error) {
	if in.Feed == "" || len(in.Feed) > maxParamLength {
		return subscribeOutput{}, invalid("feed", "feed must name a feed by UUID or slug")
	}
	sub, f, err := s.catalog.Subscribe(ctx, c.principal.AccountID, in.Feed)
	switch {
	case errors.Is(err, feeds.ErrNotFound):
		return subscribeOutput{}, newError(wire.CodeNotFound, "No such feed.", map[string]any{"list_feeds": "the list_feeds tool"})
	case err != nil:
		return subscribeOutput{}, err
	}
	return subscribeOutput{Feed: wire.NewFeed(f, nil, &sub)}, nil
}

type usageInput struct{}

// getUsage is get_usage: REST's GET /usage, the usage block of the key's
// environment. It uses no quota unit.
func (s *server) getUsage(_ context.Context, c call, _ usageInput) (wire.Usage, error) {
	return wire.NewUsage(c.admission.Usage), nil
}
