package api

import (
	"context"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/feeds"
)

// FeedPage is a page of the feed catalogue.
type FeedPage struct {
	Feeds         []Feed
	Total         int64
	Limit, Offset int
	HasMore       bool
}

// ListFeeds returns a page of the catalogue with p's subscriptions; by
// default all of it (feeds.MaxListLimit). Errors: a *feeds.FieldError for a
// bad limit or offset.
func (s *Service) ListFeeds(ctx context.Context, p auth.Principal, limit, offset Int) (FeedPage, error) {
	page := FeedPage{Limit: limit.Or(feeds.MaxListLimit), Offset: offset.Or(0)}
	list, total, err := s.catalog.List(ctx, p.AccountID, page.Limit, page.Offset)
	if err != nil {
		return FeedPage{}, err
	}
	page.Feeds, page.Total = make([]Feed, len(list)), total
	for i, l := range list {
		page.Feeds[i] = newFeed(l.Feed, l.Categories, l.Subscription)
	}
	page.HasMore = int64(page.Offset+len(list)) < total
	return page, nil
}

// NewFeedArgs are the arguments of a feed to create (REST's body).
type NewFeedArgs struct {
	Slug         string `json:"slug"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	LicensorName string `json:"licensor_name"`
	Language     string `json:"language"`
	IsPaid       bool   `json:"is_paid"`
}

// CreateFeed creates a published feed owned by p's account and subscribes the
// account to it. A paid feed needs the account's payouts set up
// (STRIPE_CONNECT_REQUIRED). Errors: a *feeds.FieldError, feeds.ErrDuplicate.
func (s *Service) CreateFeed(ctx context.Context, p auth.Principal, a NewFeedArgs) (Feed, error) {
	if a.IsPaid {
		acc, err := s.accounts.Get(ctx, p.AccountID)
		if err != nil {
			return Feed{}, err
		}
		if !acc.PayoutsEnabled {
			return Feed{}, NewError(CodeStripeConnectRequired, "", map[string]any{"field": "is_paid"})
		}
	}
	f, err := s.catalog.Create(ctx, feeds.NewFeed{Slug: a.Slug, Name: a.Name, Description: a.Description,
		LicensorName: a.LicensorName, Language: a.Language, IsPaid: a.IsPaid, OwnerAccountID: p.AccountID})
	if err != nil {
		return Feed{}, err
	}
	sub, _, err := s.catalog.Subscribe(ctx, p.AccountID, f.ID.String())
	if err != nil {
		return Feed{}, err
	}
	return newFeed(f, nil, &sub), nil
}

// Subscribe subscribes p's account to the published feed ref (UUID or slug);
// again is a no-op. Errors: a *feeds.FieldError for an empty ref,
// feeds.ErrNotFound, feeds.ErrUnavailable.
func (s *Service) Subscribe(ctx context.Context, p auth.Principal, ref string) (Feed, error) {
	return subscription(s.catalog.Subscribe(ctx, p.AccountID, ref))
}

// Unsubscribe cancels p's subscription to feed ref. Errors:
// feeds.ErrNotFound, feeds.ErrNotSubscribed.
func (s *Service) Unsubscribe(ctx context.Context, p auth.Principal, ref string) (Feed, error) {
	return subscription(s.catalog.Unsubscribe(ctx, p.AccountID, ref))
}

// subscription renders a feed with the account's subscription to it.
func subscription(sub feeds.Subscription, f feeds.Feed, err error) (Feed, error) {
	if err != nil {
		return Feed{}, err
	}
	return newFeed(f, nil, &sub), nil
}
