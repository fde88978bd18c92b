package rest

import (
	"net/http"

	"github.com/gin-gonic/gin"

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
	f, err := s.api.CreateFeed(c.Request.Context(), principal(c), api.NewFeedArgs(req))
	if err != nil {
		return err
	}
	respond(c, http.StatusCreated, reply{data: f})
	return nil
}

// subscribe answers POST /api/v1/subscriptions/{feed}.
func (s *Server) subscribe(c *gin.Context) error {
	f, err := s.api.Subscribe(c.Request.Context(), principal(c), c.Param("feed"))
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, reply{data: f})
	return nil
}

// unsubscribe answers DELETE /api/v1/subscriptions/{feed}.
func (s *Server) unsubscribe(c *gin.Context) error {
	f, err := s.api.Unsubscribe(c.Request.Context(), principal(c), c.Param("feed"))
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, reply{data: f})
	return nil
}
