package api

import (
	"cmp"
	"context"
	"time"

	"github.com/google/uuid"

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
	// Visibility: private (the default: the owner and the accounts it
	// grants) or public (listed to every account).
	Visibility string `json:"visibility"`
}

// CreateFeed creates a published feed owned by p's account, private unless
// a.Visibility is public, and subscribes the account to it. A paid feed needs
// the account's payouts set up (STRIPE_CONNECT_REQUIRED). Errors: a
// *feeds.FieldError, feeds.ErrDuplicate.
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
		LicensorName: a.LicensorName, Language: a.Language, IsPaid: a.IsPaid, OwnerAccountID: p.AccountID,
		Visibility: cmp.Or(feeds.Visibility(a.Visibility), feeds.Private)})
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

// UpdateFeedArgs change a feed (REST's PATCH body); "" leaves a field as it is.
type UpdateFeedArgs struct {
	Status     string `json:"status"`     // published | archived
	Visibility string `json:"visibility"` // public | private
}

// UpdateFeed publishes or archives feed ref, or makes it public or private;
// p's account must own it. Errors: NOT_FOUND for a feed p's account does not
// own, a *feeds.FieldError for a bad status or visibility.
func (s *Service) UpdateFeed(ctx context.Context, p auth.Principal, ref string, a UpdateFeedArgs) (Feed, error) {
	f, err := s.catalog.Update(ctx, p.AccountID, ref,
		feeds.Update{Status: feeds.Status(a.Status), Visibility: feeds.Visibility(a.Visibility)})
	if err != nil {
		return Feed{}, notOwned(err)
	}
	return newFeed(f, nil, nil), nil
}

// Grant is an account's access to a private feed, as the feed's owner sees it.
type Grant struct {
	FeedID    string     `json:"feed_id"`
	Feed      string     `json:"feed"` // the slug
	AccountID string     `json:"account_id"`
	Granted   bool       `json:"granted"`
	GrantedAt *time.Time `json:"granted_at"`
}

// GrantFeed lets account read feed ref, which p's account must own; the
// account then subscribes as to a public feed. Granting again is a no-op.
// Errors: NOT_FOUND for a feed p's account does not own, an *Error for a
// malformed account id, feeds.ErrNoAccount.
func (s *Service) GrantFeed(ctx context.Context, p auth.Principal, ref, account string) (Grant, error) {
	id, err := accountID(account)
	if err != nil {
		return Grant{}, err
	}
	g, f, err := s.catalog.Grant(ctx, p.AccountID, ref, id)
	if err != nil {
		return Grant{}, notOwned(err)
	}
	at := g.GrantedAt.UTC()
	return Grant{FeedID: f.ID.String(), Feed: f.Slug, AccountID: id.String(), Granted: true, GrantedAt: &at}, nil
}

// RevokeFeed ends account's access to feed ref, which p's account must own:
// at once, on every instance. Revoking what was never granted is a no-op.
// Errors: as GrantFeed's, but an unknown account is no error.
func (s *Service) RevokeFeed(ctx context.Context, p auth.Principal, ref, account string) (Grant, error) {
	id, err := accountID(account)
	if err != nil {
		return Grant{}, err
	}
	f, err := s.catalog.Revoke(ctx, p.AccountID, ref, id)
	if err != nil {
		return Grant{}, notOwned(err)
	}
	return Grant{FeedID: f.ID.String(), Feed: f.Slug, AccountID: id.String()}, nil
}

// accountID parses an account id argument.
func accountID(s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return uuid.Nil, Invalid("account_id", "must be an account UUID", nil)
	}
	return id, nil
}
