package rest

import (
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// statsTTL is how long GET /api/v1/stats is cached, in process and by clients.
const statsTTL = 5 * time.Minute

// statsCache holds the last computed stats; refreshes are serialised so a burst
// of requests after expiry computes them once.
type statsCache struct {
	mu      sync.Mutex
	value   api.Stats
	expires time.Time
}

// stats answers GET /api/v1/stats (public): totals over the public, published
// catalogue (private feeds are never counted).
func (s *Server) stats(c *gin.Context) error {
	s.statsCache.mu.Lock()
	defer s.statsCache.mu.Unlock()
	now := s.now()
	if now.After(s.statsCache.expires) {
		v, err := s.api.Stats(c.Request.Context())
		if err != nil {
			return err
		}
		s.statsCache.value, s.statsCache.expires = v, now.Add(statsTTL)
	}
	c.Header("Cache-Control", "public, max-age=300")
	respond(c, http.StatusOK, reply{data: s.statsCache.value})
	return nil
}
