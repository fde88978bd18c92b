package rest

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// listFeeds answers GET /api/v1/feeds: the catalogue with the caller's
// subscriptions. It takes no feed header.
func (s *Server) listFeeds(c *gin.Context) error {
	page, err := s.api.ListFeeds(c.Request.Context(), principal(c), intArg(c, "limit"), intArg(c, "offset"))
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, reply{data: page.Feeds,
		page: &pagination{Total: page.Total, Limit: page.Limit, Offset: page.Offset, HasMore: page.HasMore}})
	return nil
}

// createFeed answers POST /api/v1/feeds: a published feed owned by the caller's
// account, which is subscribed to it; private unless the body says public.
func (s *Server) createFeed(c *gin.Context) error {
	var args api.NewFeedArgs
	if err := bindJSON(c, &args); err != nil {
		return err
	}
	f, err := s.api.CreateFeed(c.Request.Context(), principal(c), args)
	if err != nil {
		return err
	}
	respond(c, http.StatusCreated, reply{data: f})
	return nil
}

// updateFeed answers PATCH /api/v1/feeds/{feed}: a feed the caller's account
// owns, published or archived, made public or private.
func (s *Server) updateFeed(c *gin.Context) error {
	var args api.UpdateFeedArgs
	if err := bindJSON(c, &args); err != nil {
		return err
	}
	f, err := s.api.UpdateFeed(c.Request.Context(), principal(c), c.Param("feed"), args)
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, reply{data: f})
	return nil
}

// subscription answers POST /api/v1/subscriptions/{feed} with
// api.Service.Subscribe and DELETE with Unsubscribe: the feed with the
// account's subscription.
func (s *Server) subscription(change func(context.Context, auth.Principal, string) (api.Feed, error)) handlerFunc {
	return func(c *gin.Context) error {
		f, err := change(c.Request.Context(), principal(c), c.Param("feed"))
		if err != nil {
			return err
		}
		respond(c, http.StatusOK, reply{data: f})
		return nil
	}
}

// grant answers POST /api/v1/feeds/{feed}/grants/{account_id} with
// api.Service.GrantFeed and DELETE with RevokeFeed: the grant as it now is.
func (s *Server) grant(change func(context.Context, auth.Principal, string, string) (api.Grant, error)) handlerFunc {
	return func(c *gin.Context) error {
		g, err := change(c.Request.Context(), principal(c), c.Param("feed"), c.Param("account_id"))
		if err != nil {
			return err
		}
		respond(c, http.StatusOK, reply{data: g})
		return nil
	}
}
