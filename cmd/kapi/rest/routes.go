package rest

import "github.com/gin-gonic/gin"

// routes registers every route of the API. It is the one list of what kapi
// serves: read it to learn the surface.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/health", s.handle(s.health))

	v1 := r.Group("/api/v1")
	v1.GET("/health", s.handle(s.health))
}
