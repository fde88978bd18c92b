package rest

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/feeds"
)

// listFeeds answers GET /api/v1/feeds: the catalogue with the caller's
// subscriptions. It takes no feed header.
func (s *Server) listFeeds(c *gin.Context) error {
	limit, offset, err := page(c)
	if err != nil {
		return err
	}
	if _, ok := c.GetQuery("limit"); !ok {
		limit = maxLimit // the catalogue is short; one page by default
	}
	list, total, err := s.catalog.List(c.Request.Context(), principal(c).AccountID, limit, offset)
	if err != nil {
		return err
	}
	out := make([]wire.Feed, len(list))
	for i, l := range list {
		out[i] = wire.NewFeed(l.Feed, l.Categories, l.Subscription)
	}
	respond(c, http.StatusOK, out, &Pagination{Total: total, Limit: limit, Offset: offset,
		HasMore: int64(offset+len(out)) < total})
	return nil
}

type createFeedRequest struct {
	Slug         string `json:"slug"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	LicensorName string `json:"licensor_name"`
	Language     string `json:"language"`
	IsPaid       bool   `json:"is_paid"`
}

// createFeed answers POST /api/v1/feeds: a published feed owned by the caller's
// account, which is subscribed to it.
func (s *Server) createFeed(c *gin.Context) error {
	var req createFeedRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p := principal(c)
	ctx := c.Request.Context()
	if req.IsPaid {
		acc, err := s.accounts.Get(ctx, p.AccountID)
		if err != nil {
			return err
		}
		if !acc.PayoutsEnabled {
			return apiError(wire.CodeStripeConnectRequired, "", map[string]any{"field": "is_paid"})
		}
	}
	f, err := s.catalog.Create(ctx, feeds.NewFeed{Slug: req.Slug, Name: req.Name, Description: req.Description,
		LicensorName: req.LicensorName, Language: req.Language, IsPaid: req.IsPaid, OwnerAccountID: p.AccountID})
	if err != nil {
		return feedError(err)
	}
	sub, _, err := s.catalog.Subscribe(ctx, p.AccountID, f.ID.String())
	if err != nil {
		return err
	}
	respond(c, http.StatusCreated, wire.NewFeed(f, nil, &sub), nil)
	return nil
}

// subscribe answers POST /api/v1/subscriptions/{feed}.
func (s *Server) subscribe(c *gin.Context) error {
	sub, f, err := s.catalog.Subscribe(c.Request.Context(), principal(c).AccountID, c.Param("feed"))
	if err != nil {
		return feedError(err)
	}
	respond(c, http.StatusOK, wire.NewFeed(f, nil, &sub), nil)
	return nil
}

// unsubscribe answers DELETE /api/v1/subscriptions/{feed}.
func (s *Server) unsubscribe(c *gin.Context) error {
	sub, f, err := s.catalog.Unsubscribe(c.Request.Context(), principal(c).AccountID, c.Param("feed"))
	if err != nil {
		return feedError(err)
	}
	respond(c, http.StatusOK, wire.NewFeed(f, nil, &sub), nil)
	return nil
}

// feedError maps the feeds package's errors outside scope resolution.
func feedError(err error) error {
	var fe *feeds.FieldError
	switch {
	case errors.As(err, &fe):
		return validationError(fe.Field, fe.Field+" "+fe.Problem, nil)
	case errors.Is(err, feeds.ErrDuplicate):
		return validationError("slug", "That slug is taken.", nil)
	case errors.Is(err, feeds.ErrNotFound):
		return apiError(wire.CodeNotFound, "No such feed.", feedsHint())
	case errors.Is(err, feeds.ErrUnavailable):
		return apiError(wire.CodeFeedUnavailable, "", nil)
	case errors.Is(err, feeds.ErrNotSubscribed):
		return apiError(wire.CodeFeedNotSubscribed, "", nil)
	}
	return err
}
