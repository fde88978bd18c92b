// Package rest is kapi's HTTP surface: the Gin router (routes lists every
// route, /api/mcp included), the middleware every request passes through
// (request id, access log, recovery, deadline; then authentication and
// admission), the binding of query strings, headers and bodies to the
// arguments of the request layer (cmd/kapi/api), and the envelope its results
// and errors are rendered in (API.md §3).
//
// It is the only package that imports gin. It reaches the domain through
// cmd/kapi/api and never reads the environment (cmd/kapi does, once).
package rest

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// Pinger reports whether the database answers. *pgxpool.Pool satisfies it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps is what the HTTP surface needs from the rest of kapi. API is required
// by every authenticated route.
type Deps struct {
	API *api.Service
	// MCP is served at /api/mcp behind the same middleware and the Bearer key
	// check, with the caller in the request's context (api.PrincipalFrom);
	// nil: /api/mcp is NOT_FOUND.
	MCP http.Handler
	// OAuth serves the MCP connector's authorization server: the metadata
	// documents under /.well-known and the endpoints under /oauth (see
	// routes); nil: none, and /api/mcp takes API keys only.
	OAuth http.Handler
	// PublicURL is kapi's base URL as clients reach it (KAPI_PUBLIC_URL); "":
	// the request's own scheme and host.
	PublicURL string
	DB        Pinger
	// Checks are what GET /ready reports; none: the database (DB), required.
	Checks  []Check
	Logger  *slog.Logger
	Version string
	// Now is the clock of the stats cache; default time.Now.
	Now func() time.Time
	// Observer is told about every request (metrics); nil: nobody.
	Observer Observer
	// TrustedProxies are the addresses or CIDRs of load balancers whose
	// X-Forwarded-For / X-Real-IP name the client; none: the peer is the client.
	// Each must parse (net.ParseIP or net.ParseCIDR); the caller checks.
	TrustedProxies []string
	// Replicas reports the read replicas for GET /ready, which never fail
	// it (reads fall back to the primary); nil: none configured.
	Replicas func() []ReplicaReport
}

// Server is the HTTP surface. Build it with New; serve Handler().
type Server struct {
	api        *api.Service
	mcp        http.Handler
	oauth      http.Handler
	publicURL  string
	db         Pinger
	checks     []Check
	logger     *slog.Logger
	version    string
	now        func() time.Time
	router     *gin.Engine
	observer   Observer
	proxies    []string
	statsCache statsCache
	openapiDoc []byte // GET /api/v1/openapi.json, converted once
	replicas   func() []ReplicaReport
}

// New builds the router with every route and middleware.
func New(deps Deps) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{api: deps.API, mcp: deps.MCP, oauth: deps.OAuth, publicURL: deps.PublicURL, db: deps.DB, checks: deps.Checks, logger: deps.Logger,
		version: deps.Version, now: deps.Now, observer: deps.Observer, proxies: deps.TrustedProxies}
	s.replicas = deps.Replicas
	if s.checks == nil && s.db != nil {
		s.checks = []Check{{Name: "database", Required: true, Probe: s.db.Ping}}
	}
	if s.api == nil {
		s.api = api.New(api.Deps{})
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.openapiDoc = openapiJSON()
	s.router = s.buildRouter()
	return s
}

// Handler returns the http.Handler to serve. HEAD works wherever GET does:
// it is served as the GET, without the body (RFC 9110 §9.3.2); /api/mcp
// takes every method itself.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead && r.URL.Path != mcpPath {
			get := r.Clone(r.Context())
			get.Method = http.MethodGet
			s.router.ServeHTTP(headWriter{w}, get)
			return
		}
		s.router.ServeHTTP(w, r)
	})
}

// headWriter sends a GET's status and headers without its body.
type headWriter struct{ http.ResponseWriter }

func (headWriter) Write(b []byte) (int, error) { return len(b), nil }

// handlerFunc is a handler that returns its error to the one converter.
type handlerFunc func(c *gin.Context) error

// handle adapts a handlerFunc to gin, rendering a returned error. The
// request's text input is checked first (checkTextInput), after admission so
// that the refusal carries the rate-limit headers.
func (s *Server) handle(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := checkTextInput(c)
		if err == nil {
			err = h(c)
		}
		if err != nil {
			s.fail(c, err)
		}
	}
}

func (s *Server) buildRouter() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(s.proxies); err != nil { // none: the peer address is the client's
		s.logger.Error("ignoring KAPI_TRUSTED_PROXIES", "error", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(requestID(), accessLog(s.logger, s.observer), s.recovery(), s.deadline())
	r.NoRoute(s.handle(notFound))
	r.NoMethod(s.handle(func(c *gin.Context) error {
		return api.NewError(api.CodeMethodNotAllowed, "", map[string]any{"method": c.Request.Method})
	}))
	s.routes(r)
	return r
}

func notFound(*gin.Context) error {
	return api.NewError(api.CodeNotFound, "No such endpoint; see the API reference.", nil)
}

// mcpHandler serves /api/mcp: the MCP handler, or NOT_FOUND without one.
func (s *Server) mcpHandler() gin.HandlerFunc {
	if s.mcp == nil {
		return s.handle(notFound)
	}
	return gin.WrapH(s.mcp)
}
