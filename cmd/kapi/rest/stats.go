package rest

import (
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// statsTTL is how long GET /api/v1/stats is cached, in process and by clients.
const statsTTL = 5 * time.Minute

type statsDTO struct {
	TotalEntries    int64      `json:"total_entries"`
	TotalFeeds      int64      `json:"total_feeds"`
	TotalCategories int64      `json:"total_categories"`
	LastUpdated     *time.Time `json:"last_updated"`
}

// statsCache holds the last computed stats; refreshes are serialised so a burst
// of requests after expiry computes them once.
type statsCache struct {
	mu      sync.Mutex
	value   statsDTO
	expires time.Time
}

// stats answers GET /api/v1/stats (public): totals over the published catalogue.
func (s *Server) stats(c *gin.Context) error {
	s.statsCache.mu.Lock()
	defer s.statsCache.mu.Unlock()
	now := s.now()
	if now.After(s.statsCache.expires) {
		ctx := c.Request.Context()
		t, err := s.catalog.Totals(ctx)
		if err != nil {
			return err
		}
		cats, err := s.engine.DistinctCategories(ctx, t.FeedIDs)
		if err != nil {
			return err
		}
		s.statsCache.value = statsDTO{TotalEntries: t.Entries, TotalFeeds: t.Feeds, TotalCategories: cats, LastUpdated: t.LastUpdated}
		s.statsCache.expires = now.Add(statsTTL)
	}
	c.Header("Cache-Control", "public, max-age=300")
	respond(c, http.StatusOK, s.statsCache.value, nil)
	return nil
}
