package rest

import (
	"mime"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// ingestTypes are the Content-Types of an entry batch.
var ingestTypes = []string{"application/json", "application/x-ndjson"}

// ingestEntries answers POST /api/v1/feeds/{feed}/entries: a JSON array or
// NDJSON body of at most 500 entries into a feed the caller's account owns,
// stored all or nothing. Another Content-Type is 415.
func (s *Server) ingestEntries(c *gin.Context) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || !slices.Contains(ingestTypes, mt) {
		return api.NewError(api.CodeUnsupportedMediaType, "Content-Type must be application/json (a JSON array) "+
			"or application/x-ndjson (one entry a line).", map[string]any{"allowed": ingestTypes})
	}
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
