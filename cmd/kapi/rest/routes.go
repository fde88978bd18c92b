package rest

import "github.com/gin-gonic/gin"

// routes registers every route of the API. It is the one list of what kapi
// serves: read it to learn the surface.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/health", s.handle(s.health))

	v1 := r.Group("/api/v1")
	v1.GET("/health", s.handle(s.health))
	v1.GET("/stats", s.handle(s.stats))

	v1.GET("/feeds", s.handle(s.listFeeds))
	v1.POST("/feeds", s.handle(s.createFeed))
	v1.POST("/feeds/:feed/entries", s.handle(s.ingestEntries))
	v1.DELETE("/feeds/:feed/entries/:id", s.handle(s.deleteEntry))
	v1.POST("/subscriptions/:feed", s.handle(s.subscribe))
	v1.DELETE("/subscriptions/:feed", s.handle(s.unsubscribe))

	v1.GET("/categories", s.handle(s.categories))
	v1.GET("/knowledge", s.handle(s.listKnowledge))
	v1.GET("/knowledge/recent", s.handle(s.recentKnowledge))
	v1.GET("/knowledge/:id", s.handle(s.getKnowledge))
}
