package rest

import (
	"cmp"
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// listKnowledge answers GET /api/v1/knowledge: entries of one feed, newest first.
func (s *Server) listKnowledge(c *gin.Context) error { return s.list(c, s.api.List, false) }

// recentKnowledge answers GET /api/v1/knowledge/recent: entries updated since
// `since` or in the last `days` (default 7), over one feed or "all".
func (s *Server) recentKnowledge(c *gin.Context) error { return s.list(c, s.api.Recent, true) }

// list binds the parameters of both lists (the full-text filter is `search`,
// or its alias `q`; "all" only for recent) and answers with the page.
func (s *Server) list(c *gin.Context, list func(context.Context, auth.Principal, api.ListArgs) (api.Page, error), recent bool) error {
	page, err := list(c.Request.Context(), principal(c), api.ListArgs{
		Feed: feedArg(c, recent), Query: cmp.Or(c.Query("search"), c.Query("q")),
		Category: c.Query("category"), ConfidenceMin: floatArg(c, "confidence_min"),
		Since: c.Query("since"), Days: intArg(c, "days"),
		Limit: intArg(c, "limit"), Offset: intArg(c, "offset"), Verbosity: verbosityArg(c),
	})
	if err != nil {
		return err
	}
	respondPage(c, page)
	return nil
}

// getKnowledge answers GET /api/v1/knowledge/{id}, scoped to the feed: an entry
// of another feed is NOT_FOUND.
func (s *Server) getKnowledge(c *gin.Context) error {
	e, sv, err := s.api.Get(c.Request.Context(), principal(c), feedArg(c, false), c.Param("id"), verbosityArg(c))
	if err != nil {
		return err
	}
	servedHeaders(c, sv)
	respond(c, http.StatusOK, reply{data: e, context: &respContext{Feeds: sv.Feeds}})
	return nil
}

// categories answers GET /api/v1/categories: entry counts per category of the
// selected feed, limited to the key's allowed categories.
func (s *Server) categories(c *gin.Context) error {
	out, sv, err := s.api.Categories(c.Request.Context(), principal(c), feedArg(c, false))
	if err != nil {
		return err
	}
	servedHeaders(c, sv)
	respond(c, http.StatusOK, reply{data: out, context: &respContext{Feeds: sv.Feeds}})
	return nil
}
