package rest

import "github.com/gin-gonic/gin"

// routes registers every route of the API. It is the one list of what kapi
// serves: read it to learn the surface. Authenticated routes declare their scope
// and admission with authed (see access): counted for the quota-counted
// endpoints of API.md §4, accountChecked for knowledge endpoints.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/health", s.handle(s.health))

	v1 := r.Group("/api/v1")
	v1.GET("/health", s.handle(s.health))

	v1.GET("/usage", s.authed("usage:read", notCounted), s.handle(s.usage))

	v1.GET("/keys", s.authed("keys:read", notCounted), s.handle(s.listKeys))
	v1.POST("/keys", s.authed("keys:write", notCounted), s.handle(s.createKey))
	v1.DELETE("/keys/:id", s.authed("keys:write", notCounted), s.handle(s.revokeKey))
	v1.POST("/keys/:id/rotate", s.authed("keys:write", notCounted), s.handle(s.rotateKey))
}
