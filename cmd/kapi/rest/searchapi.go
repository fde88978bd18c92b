package rest

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/search"
)

// searchKnowledge answers GET /api/v1/knowledge/search: keyword, semantic or
// hybrid retrieval over one feed or, with "all", up to ten (API.md §4, §6).
//
// Search has no total count (each leg only looks at its best candidates), so
// pagination.total counts the hits through this page; has_more says whether
// another page has hits.
func (s *Server) searchKnowledge(c *gin.Context) error {
	q, full, err := s.searchQuery(c)
	if err != nil {
		return err
	}
	fs, err := s.resolveFeeds(c, scopeSearch)
	if err != nil {
		return err
	}
	q.Feeds = wire.SearchFeeds(fs)
	res, err := s.engine.Search(c.Request.Context(), q)
	if errors.Is(err, search.ErrInvalidQuery) {
		return validationError("q", strings.TrimPrefix(err.Error(), search.ErrInvalidQuery.Error()+": "), nil)
	}
	if err != nil {
		return err
	}
	names := wire.NamesOf(fs)
	out := make([]wire.Entry, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = wire.NewHit(h, names, full)
	}
	st := state(c)
	st.context.Mode = string(q.Mode)
	if q.Mode == search.ModeHybrid {
		st.context.Fusion, st.context.SemanticWeight = string(res.Fusion), &res.SemanticWeight
	}
	st.degraded = res.Degraded
	respond(c, http.StatusOK, out, &Pagination{Total: int64(q.Offset + len(out)), Limit: q.Limit,
		Offset: q.Offset, HasMore: res.HasMore})
	return nil
}

func (s *Server) searchQuery(c *gin.Context) (search.Query, bool, error) {
	var q search.Query
	var err error
	if q.Text, err = textParam(c, "q", maxQueryLength); err != nil {
		return q, false, err
	}
	if q.Text == "" {
		return q, false, validationError("q", "q is required: the question or keywords to search for",
			map[string]any{"min_length": 1, "max_length": maxQueryLength})
	}
	switch mode := c.DefaultQuery("mode", "keyword"); mode {
	case "keyword", "semantic", "hybrid":
		q.Mode = search.Mode(mode)
	default:
		return q, false, validationError("mode", "mode must be keyword, semantic or hybrid",
			map[string]any{"allowed": []string{"keyword", "semantic", "hybrid"}})
	}
	if q.Limit, err = intParam(c, "limit", defaultLimit, 1, search.MaxLimit); err != nil {
		return q, false, err
	}
	if q.Offset, err = intParam(c, "offset", 0, 0, search.MaxOffset); err != nil {
		return q, false, err
	}
	if q.ConfidenceMin, err = confidenceMin(c); err != nil {
		return q, false, err
	}
	if q.Fusion, q.SemanticWeight, err = fusionParams(c); err != nil {
		return q, false, err
	}
	raw, err := textParam(c, "categories", maxParamLength)
	if err != nil {
		return q, false, err
	}
	q.Categories = categoryList(raw)
	p := principal(c)
	if err := checkCategories(p, q.Categories...); err != nil {
		return q, false, err
	}
	q.AllowedCategories = p.AllowedCategories
	full, err := verbosity(c, "full")
	q.Highlight = full
	return q, full, err
}
