package rest

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// usage is GET /api/v1/usage: the usage block of the caller's key environment as
// data (the same block as meta). It uses no quota unit.
func (s *Server) usage(c *gin.Context) error {
	respond(c, http.StatusOK, reply{data: metaOf(c).Usage})
	return nil
}
