// Package rest is kapi's HTTP surface: the Gin router (every route is listed in
// routes), middleware, handlers, wire DTOs, the response envelope and the one
// table that maps errors to HTTP statuses and API codes.
//
// It is the only package that imports gin. It calls the domain packages (auth,
// feeds, search, embed) and passes them identities as parameters; it never reads
// the environment (cmd/kapi does, once).
package rest

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// Body size limits (API.md §4).
const (
	maxBodyBytes  = 1 << 20  // single JSON objects
	maxBatchBytes = 16 << 20 // entry batches
)

// Pinger reports whether the database answers. *pgxpool.Pool satisfies it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps is what the HTTP surface needs from the rest of kapi. Keys, Limiter and
// Quota are required by every authenticated route.
type Deps struct {
	DB      Pinger
	Catalog *feeds.Catalog
	Engine  *search.Engine
	Logger  *slog.Logger
	Version string

	Keys     *auth.Keys     // verifies Bearer keys; GET/POST/DELETE /keys
	Accounts *auth.Accounts // account details beyond the Principal (payouts)
	Limiter  *auth.Limiter  // per-minute limits
	Quota    *auth.Quota    // monthly quotas and the usage block
	// TermsURL is details.accept_url of 412 LEGAL_REVIEW_REQUIRED; default
	// DefaultTermsURL.
	TermsURL string
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// DefaultTermsURL is where an account accepts the current terms, unless
// Deps.TermsURL says otherwise.
const DefaultTermsURL = "/signup/legal"

// Server is the HTTP surface. Build it with New; serve Handler().
type Server struct {
	db         Pinger
	catalog    *feeds.Catalog
	engine     *search.Engine
	logger     *slog.Logger
	version    string
	router     *gin.Engine
	statsCache statsCache
	openapiDoc []byte // GET /api/v1/openapi.json, converted once

	keys     *auth.Keys
	accounts *auth.Accounts
	gate     *auth.Gate
	termsURL string
	now      func() time.Time
}

// New builds the router with every route and middleware.
func New(deps Deps) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{db: deps.DB, catalog: deps.Catalog, engine: deps.Engine, logger: deps.Logger,
		version: deps.Version, keys: deps.Keys, accounts: deps.Accounts, gate: auth.NewGate(deps.Limiter, deps.Quota), termsURL: deps.TermsURL}
	if s.logger == nil {
		s.logger = discardLogger
	}
	if s.now = deps.Now; s.now == nil {
		s.now = time.Now
	}
	if s.termsURL == "" {
		s.termsURL = DefaultTermsURL
	}
	s.openapiDoc = openapiJSON()
	s.router = s.buildRouter()
	return s
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.router }

// handlerFunc is a handler that returns its error to the one converter.
type handlerFunc func(c *gin.Context) error

// handle adapts a handlerFunc to gin, rendering a returned error.
func (s *Server) handle(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			writeError(c, s.logger, err)
		}
	}
}

func (s *Server) buildRouter() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.ContextWithFallback = true
	_ = r.SetTrustedProxies(nil) // client IP is the peer address unless configured
	r.Use(requestID(), accessLog(s.logger), recovery(s.logger), deadline(),
		bodyLimit(maxBodyBytes, map[string]int64{"/api/v1/feeds/:feed/entries": maxBatchBytes}))
	r.NoRoute(s.handle(func(*gin.Context) error {
		return apiError(wire.CodeNotFound, "No such endpoint; see the API reference.", nil)
	}))
	r.NoMethod(s.handle(func(c *gin.Context) error {
		return apiError(wire.CodeMethodNotAllowed, "", map[string]any{"method": c.Request.Method})
	}))
	s.routes(r)
	return r
}
