package rest

import (
	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// mcpPath is where agents reach the MCP server (API.md §9).
const mcpPath = api.MCPPath

// routes registers every route of the API. It is the one list of what kapi
// serves: read it to learn the surface. Each authenticated route names its scope
// and how it is admitted (see authed): counted routes use a unit of the monthly
// quota when they succeed (API.md §4), accountChecked ones are refused to
// accounts whose subscription is inactive or whose terms are not accepted.
// Request bodies are limited under /api/v1 (bodyLimit); the MCP handler limits
// its own and admits each tool call as its tool needs.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/health", s.handle(s.health))
	r.GET("/ready", s.handle(s.ready))
	r.Any(mcpPath, s.mcpAuthenticated(), s.mcpHandler())
	if s.oauth != nil { // the MCP connector's OAuth 2.1 (docs/API.md §9): cmd/kapi/oauthserver
		oauth := gin.WrapH(s.oauth)
		for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource" + mcpPath,
			"/.well-known/oauth-authorization-server", "/oauth/register", "/oauth/token", "/oauth/revoke"} {
			r.OPTIONS(path, oauth) // CORS preflights of browser-based agents
		}
		r.GET("/.well-known/oauth-protected-resource", oauth)
		r.GET("/.well-known/oauth-protected-resource"+mcpPath, oauth)
		r.GET("/.well-known/oauth-authorization-server", oauth)
		r.POST("/oauth/register", oauth)
		r.GET("/oauth/authorize", oauth)
		r.POST("/oauth/authorize", oauth)
		r.POST("/oauth/token", oauth)
		r.POST("/oauth/revoke", oauth)
		r.GET("/oauth/link", oauth)
	}

	v1 := r.Group("/api/v1", s.bodyLimit(maxBodyBytes, map[string]int64{"/api/v1/feeds/:feed/entries": maxBatchBytes}))
	v1.GET("/health", s.handle(s.health))
	v1.GET("/stats", s.handle(s.stats))
	v1.GET("/openapi.json", s.handle(s.openapi))

	v1.GET("/feeds", s.authed("feeds:read", accountChecked), s.handle(s.listFeeds))
	v1.POST("/feeds", s.authed("feeds:write", accountChecked), s.handle(s.createFeed))
	v1.POST("/feeds/:feed/entries", s.authed("knowledge:write", accountChecked), s.handle(s.ingestEntries))
	v1.DELETE("/feeds/:feed/entries/:id", s.authed("knowledge:write", accountChecked), s.handle(s.deleteEntry))
	v1.PATCH("/feeds/:feed", s.authed("feeds:write", accountChecked), s.handle(s.updateFeed))
	v1.POST("/feeds/:feed/grants/:account_id", s.authed("feeds:write", accountChecked), s.handle(s.grant(s.api.GrantFeed)))
	v1.DELETE("/feeds/:feed/grants/:account_id", s.authed("feeds:write", accountChecked), s.handle(s.grant(s.api.RevokeFeed)))
	v1.POST("/subscriptions/:feed", s.authed("feeds:write", accountChecked), s.handle(s.subscription(s.api.Subscribe)))
	v1.DELETE("/subscriptions/:feed", s.authed("feeds:write", accountChecked), s.handle(s.subscription(s.api.Unsubscribe)))

	v1.GET("/categories", s.authed("knowledge:read", counted|accountChecked), s.handle(s.categories))
	v1.GET("/knowledge", s.authed("knowledge:read", counted|accountChecked), s.handle(s.listKnowledge))
	v1.GET("/knowledge/search", s.authed("knowledge:read", counted|accountChecked), s.handle(s.searchKnowledge))
	v1.GET("/knowledge/recent", s.authed("knowledge:read", counted|accountChecked), s.handle(s.recentKnowledge))
	v1.GET("/knowledge/:id", s.authed("knowledge:read", counted|accountChecked), s.handle(s.getKnowledge))

	v1.GET("/usage", s.authed("usage:read", notCounted), s.handle(s.usage))
	v1.GET("/keys", s.authed("keys:read", notCounted), s.handle(s.listKeys))
	v1.POST("/keys", s.authed("keys:write", notCounted), s.handle(s.createKey))
	v1.DELETE("/keys/:id", s.authed("keys:write", notCounted), s.handle(s.revokeKey))
	v1.POST("/keys/:id/rotate", s.authed("keys:write", notCounted), s.handle(s.rotateKey))
}
