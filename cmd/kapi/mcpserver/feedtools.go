package mcpserver

import (
	"context"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

type listFeedsInput struct{}

type listFeedsOutput struct {
	Feeds []api.Feed `json:"feeds" jsonschema:"the feeds, most entries first; subscription_status is active for the feeds this account can read"`
	Total int64      `json:"total"`
}

// listFeeds is list_feeds: REST's GET /feeds, its default page (the whole
// catalogue, up to 50 feeds).
func (s *server) listFeeds(ctx context.Context, c call, _ listFeedsInput) (listFeedsOutput, error) {
	page, err := s.api.ListFeeds(ctx, c.principal, api.Int{}, api.Int{})
	if err != nil {
		return listFeedsOutput{}, err
	}
	return listFeedsOutput{Feeds: page.Feeds, Total: page.Total}, nil
}

type subscribeInput struct {
	Feed string `json:"feed" jsonschema:"the feed to subscribe to: its UUID or slug (see list_feeds)"`
}

type subscribeOutput struct {
	Feed api.Feed `json:"feed" jsonschema:"the feed with the account's subscription"`
}

// subscribeFeed is subscribe_feed: REST's POST /subscriptions/{feed}.
// Subscribing again is a no-op.
func (s *server) subscribeFeed(ctx context.Context, c call, in subscribeInput) (subscribeOutput, error) {
	f, err := s.api.Subscribe(ctx, c.principal, in.Feed)
	if err != nil {
		return subscribeOutput{}, err
	}
	return subscribeOutput{Feed: f}, nil
}

type usageInput struct{}

// getUsage is get_usage: REST's GET /usage, the usage block of the key's
// environment. It uses no quota unit.
func (s *server) getUsage(_ context.Context, c call, _ usageInput) (api.Usage, error) {
	return api.NewUsage(c.admission.Usage), nil
}
