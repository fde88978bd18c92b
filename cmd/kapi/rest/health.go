package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// healthTimeout bounds the database ping of a health check, so a stopped
// database turns /health into 503 within seconds rather than hanging.
const healthTimeout = 2 * time.Second

type healthData struct {
	Status   string `json:"status"`
	Database string `json:"database"`
	Version  string `json:"version"`
}

// health answers GET /health and /api/v1/health: 200 when the database answers a
// ping, 503 SERVICE_UNAVAILABLE when it does not.
func (s *Server) health(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), healthTimeout)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		return api.Unavailable("The database is unreachable.", map[string]any{"database": "unreachable"}, err)
	}
	respond(c, http.StatusOK, reply{data: healthData{Status: "ok", Database: "ok", Version: s.version}})
	return nil
}
