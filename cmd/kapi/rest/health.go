package rest

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/wire"
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
		return &Error{
			Code:    wire.CodeServiceUnavailable,
			Message: "The database is unreachable.",
			Details: map[string]any{"database": "unreachable"},
			cause:   fmt.Errorf("%w: %w", errDatabaseDown, err),
		}
	}
	respond(c, http.StatusOK, healthData{Status: "ok", Database: "ok", Version: s.version}, nil)
	return nil
}
