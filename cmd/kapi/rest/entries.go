package rest

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// ingestEntries answers POST /api/v1/feeds/{feed}/entries: a JSON array or
// NDJSON body of at most 500 entries into a feed the caller's account owns,
// stored all or nothing.
func (s *Server) ingestEntries(c *gin.Context) error {
	out, sv, err := s.api.Ingest(c.Request.Context(), principal(c), c.Param("feed"), c.Request.Body)
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, reply{data: out, context: &respContext{Feeds: sv.Feeds}})
	return nil
}

// deleteEntry answers DELETE /api/v1/feeds/{feed}/entries/{id}.
func (s *Server) deleteEntry(c *gin.Context) error {
	id := c.Param("id")
	if err := s.api.DeleteEntry(c.Request.Context(), principal(c), c.Param("feed"), id); err != nil {
		return err
	}
	respond(c, http.StatusOK, reply{data: map[string]any{"id": id, "deleted": true}})
	return nil
}
