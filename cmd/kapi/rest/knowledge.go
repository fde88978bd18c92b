package rest

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/search"
)

// listKnowledge answers GET /api/v1/knowledge: entries of one feed, newest first.
func (s *Server) listKnowledge(c *gin.Context) error {
	return s.listEntries(c, scopeSingle, false)
}

// recentKnowledge answers GET /api/v1/knowledge/recent: entries updated since
// `since` or in the last `days` (default 7), over one feed or "all".
func (s *Server) recentKnowledge(c *gin.Context) error {
	return s.listEntries(c, scopeSearch, true)
}

func (s *Server) listEntries(c *gin.Context, kind scopeKind, recent bool) error {
	q, full, err := s.listQuery(c, recent)
	if err != nil {
		return err
	}
	fs, err := s.resolveFeeds(c, kind)
	if err != nil {
		return err
	}
	q.Feeds = wire.SearchFeeds(fs)
	entries, total, err := s.engine.List(c.Request.Context(), q)
	if err != nil {
		return err
	}
	names := wire.NamesOf(fs)
	out := make([]wire.Entry, len(entries))
	for i, e := range entries {
		out[i] = wire.NewEntry(e, names, full)
	}
	respond(c, http.StatusOK, out, &Pagination{Total: total, Limit: q.Limit, Offset: q.Offset,
		HasMore: int64(q.Offset+len(out)) < total})
	return nil
}

// listQuery reads the list parameters; recent lists default to the last 7 days.
func (s *Server) listQuery(c *gin.Context, recent bool) (search.ListQuery, bool, error) {
	var q search.ListQuery
	var err error
	if q.Limit, q.Offset, err = page(c); err != nil {
		return q, false, err
	}
	if q.ConfidenceMin, err = confidenceMin(c); err != nil {
		return q, false, err
	}
	if q.Since, err = since(c, s.now(), recent); err != nil {
		return q, false, err
	}
	field := "search"
	text := c.Query(field)
	if text == "" {
		field, text = "q", c.Query("q")
	}
	if len([]rune(text)) > maxQueryLength {
		return q, false, validationError(field, field+" must be at most 1000 characters", map[string]any{"max": maxQueryLength})
	}
	q.Text = text
	if raw := c.Query("category"); raw != "" {
		if q.Category = normaliseCategory(raw); q.Category == "" {
			return q, false, validationError("category", "category must contain a letter or digit", nil)
		}
	}
	p := principal(c)
	if err := checkCategories(p, q.Category); err != nil {
		return q, false, err
	}
	q.AllowedCategories = p.AllowedCategories
	full, err := verbosity(c, "full")
	return q, full, err
}

// getKnowledge answers GET /api/v1/knowledge/{id}, scoped to the feed: an entry
// of another feed is NOT_FOUND.
func (s *Server) getKnowledge(c *gin.Context) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return validationError("id", "id must be an entry UUID", nil)
	}
	full, err := verbosity(c, "full")
	if err != nil {
		return err
	}
	fs, err := s.resolveFeeds(c, scopeSingle)
	if err != nil {
		return err
	}
	e, err := s.engine.Get(c.Request.Context(), wire.SearchFeeds(fs), id, principal(c).AllowedCategories)
	if errors.Is(err, search.ErrNotFound) {
		return apiError(wire.CodeNotFound, "No such entry in this feed.", nil)
	}
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, wire.NewEntry(e, wire.NamesOf(fs), full), nil)
	return nil
}

type categoryDTO struct {
	Category    string `json:"category"`
	Count       int64  `json:"count"`
	Description string `json:"description"`
}

// categories answers GET /api/v1/categories: entry counts per category of the
// scoped feed, limited to the key's allowed categories.
func (s *Server) categories(c *gin.Context) error {
	fs, err := s.resolveFeeds(c, scopeCategories)
	if err != nil {
		return err
	}
	counts, err := s.engine.Categories(c.Request.Context(), wire.SearchFeeds(fs), principal(c).AllowedCategories)
	if err != nil {
		return err
	}
	out := make([]categoryDTO, len(counts))
	for i, cc := range counts {
		out[i] = categoryDTO{Category: cc.Category, Count: cc.Count, Description: cc.Description}
	}
	respond(c, http.StatusOK, out, nil)
	return nil
}
