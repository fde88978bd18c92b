package rest

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// searchKnowledge answers GET /api/v1/knowledge/search: keyword, semantic or
// hybrid retrieval over one feed or, with "all", up to ten (API.md §4, §6).
//
// Search has no total count (each leg only looks at its best candidates), so
// pagination.total counts the hits through this page; has_more says whether
// another page has hits.
func (s *Server) searchKnowledge(c *gin.Context) error {
	page, err := s.api.Search(c.Request.Context(), principal(c), api.SearchArgs{
		Feed: feedArg(c, true), Query: c.Query("q"), Mode: c.Query("mode"),
		Categories: api.SplitList(c.Query("categories")), ConfidenceMin: floatArg(c, "confidence_min"),
		Limit: intArg(c, "limit"), Offset: intArg(c, "offset"),
		Fusion: c.Query("fusion"), SemanticWeight: floatArg(c, "semantic_weight"), Verbosity: verbosityArg(c),
	})
	if err != nil {
		return err
	}
	respondPage(c, page)
	return nil
}

// respondPage renders a page of entries: the feed headers, the pagination,
// and the context of the feeds and the search mode.
func respondPage(c *gin.Context, page api.Page) {
	servedHeaders(c, page.Served)
	respond(c, http.StatusOK, reply{
		data: page.Entries,
		page: &pagination{Total: page.Total, Limit: page.Limit, Offset: page.Offset, HasMore: page.HasMore},
		context: &respContext{Feeds: page.Served.Feeds, Mode: page.Mode, Fusion: page.Fusion,
			SemanticWeight: page.SemanticWeight},
		degraded: page.Degraded,
	})
}
