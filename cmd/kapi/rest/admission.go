package rest

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// access says how an authenticated route is admitted, besides its scope. Combine
// with |. Every route under /api/v1 except /health, /stats and /openapi.json
// declares one with authed, next to its path in routes:
//
//	v1.GET("/usage", s.authed("usage:read", notCounted), s.handle(s.usage))
//	v1.GET("/knowledge/search", s.authed("knowledge:read", counted|accountChecked), s.handle(s.searchKnowledge))
//	v1.GET("/feeds", s.authed("feeds:read", accountChecked), s.handle(s.listFeeds))
type access uint8

const (
	// notCounted: no quota unit, no account-state check (/usage, /keys).
	notCounted access = 0
	// counted: the route uses one unit of the monthly quota when it succeeds
	// (status < 400). The unit is reserved before the handler runs and released
	// if it fails (API.md §4 "counts toward quota").
	counted access = 1 << 0
	// accountChecked: the route is a knowledge or feed endpoint; a past_due or
	// canceled subscription gets 403 SUBSCRIPTION_INACTIVE and unaccepted terms
	// 412 LEGAL_REVIEW_REQUIRED.
	accountChecked access = 1 << 1
)

// admissionKey holds the request's *auth.Admission in the gin context.
const admissionKey = "kapi.admission"

// authenticated checks the Bearer key and puts the caller in the request's
// context (principal reads it). A missing, malformed, unknown, revoked or
// expired key is 401 with a WWW-Authenticate challenge; a failed key lookup
// is 503.
func (s *Server) authenticated() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.authenticate(c) {
			c.Next()
		}
	}
}

func (s *Server) authenticate(c *gin.Context) bool {
	ctx, cancel := s.api.Bound(c.Request.Context())
	defer cancel()
	p, err := s.api.Authenticate(ctx, c.GetHeader("Authorization"))
	err = api.Explain(ctx, err)
	if err != nil {
		s.fail(c, err)
		return false
	}
	c.Request = c.Request.WithContext(api.WithPrincipal(c.Request.Context(), p))
	return true
}

// mcpAuthenticated is authenticated for /api/mcp, the OAuth protected
// resource: an API key, or with OAuth served an access token issued for this
// endpoint. A 401 names the resource's metadata (RFC 9728 §5.1).
func (s *Server) mcpAuthenticated() gin.HandlerFunc {
	if s.oauth == nil {
		return s.authenticated()
	}
	return func(c *gin.Context) {
		ctx, cancel := s.api.Bound(c.Request.Context())
		defer cancel()
		p, err := s.api.AuthenticateMCP(ctx, c.GetHeader("Authorization"), s.base(c)+mcpPath)
		if err = api.Explain(ctx, err); err != nil {
			s.fail(c, err)
			return
		}
		c.Request = c.Request.WithContext(api.WithPrincipal(c.Request.Context(), p))
		c.Next()
	}
}

// base is kapi's public base URL as this request reaches it.
func (s *Server) base(c *gin.Context) string {
	return api.PublicBase(s.publicURL, c.Request.Host, c.Request.TLS != nil)
}

// authed authenticates the caller and admits the request through the auth
// gate: the per-minute limit (X-RateLimit-* on every response from here on),
// the scope, the account state when acc has accountChecked, and for counted
// routes a reserved quota unit, kept if the handler succeeds (status < 400)
// and released otherwise. The response's meta carries the usage block.
func (s *Server) authed(scope string, acc access) gin.HandlerFunc {
	check := auth.Check{Scope: scope, Counted: acc&counted != 0, Account: acc&accountChecked != 0}
	return func(c *gin.Context) {
		if !s.authenticate(c) {
			return
		}
		adm, err := s.api.Admit(c.Request.Context(), principal(c), check)
		c.Set(admissionKey, adm)
		setRateHeaders(c.Writer.Header(), api.NewRate(adm.Rate))
		if err != nil {
			s.fail(c, err)
			return
		}
		finished := false
		defer func() {
			if !finished { // a panic is on its way to recovery: the request failed
				s.settle(c, false)
			}
		}()
		c.Next()
		finished = true
		s.settle(c, c.Writer.Status() < http.StatusBadRequest)
	}
}

// principal returns the authenticated caller; only valid behind authenticated
// or authed.
func principal(c *gin.Context) auth.Principal {
	p, _ := api.PrincipalFrom(c.Request.Context())
	return p
}

// admission returns the request's admission; nil before authed admits it.
func admission(c *gin.Context) *auth.Admission {
	v, _ := c.Get(admissionKey)
	adm, _ := v.(*auth.Admission)
	return adm
}

// settle keeps (ok) or releases the request's quota unit, once; fail settles
// with false before it renders, so an error's meta shows the released counter.
func (s *Server) settle(c *gin.Context, ok bool) {
	ctx := c.Request.Context()
	if err := admission(c).Settle(ctx, ok); err != nil {
		s.logger.ErrorContext(ctx, "quota unit not released", "request_id", api.RequestIDFrom(ctx), "error", err)
	}
}

// setRateHeaders writes X-RateLimit-*; Reset is in unix seconds, rounded up.
func setRateHeaders(h http.Header, r api.Rate) {
	limit, remaining, reset := r.Headers()
	h.Set("X-RateLimit-Limit", limit)
	h.Set("X-RateLimit-Remaining", remaining)
	h.Set("X-RateLimit-Reset", reset)
}
