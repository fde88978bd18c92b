package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/wire"
)

// access says how an authenticated route is admitted, besides its scope. Combine
// with |. Every route under /api/v1 except /health and /stats declares one with
// authed, next to its path in routes:
//
//	v1.GET("/usage", s.authed("usage:read", notCounted), s.handle(s.usage))
//	v1.GET("/knowledge/search", s.authed("knowledge:read", counted|accountChecked), s.handle(s.search))
//	v1.GET("/feeds", s.authed("feeds:read", accountChecked), s.handle(s.listFeeds))
type access uint8

const (
	// notCounted: no quota unit, no account-state check (/usage, /keys).
	notCounted access = 0
	// counted: the route uses one unit of the monthly quota when it succeeds
	// (status < 400). The unit is reserved before the handler runs and released
	// if it fails (API.md §4 "counts toward quota").
	counted access = 1 << 0
	// accountChecked: the route is a knowledge endpoint; a past_due or canceled
	// subscription gets 403 SUBSCRIPTION_INACTIVE and unaccepted terms 412
	// LEGAL_REVIEW_REQUIRED.
	accountChecked access = 1 << 1
)

// authed authenticates the Bearer key and admits the request through the auth
// gate: the per-minute limit (X-RateLimit-* on every response from here on), the
// scope, the account state when acc has accountChecked, and for counted routes a
// reserved quota unit, committed if the handler succeeds (status < 400) and
// released otherwise. Handlers then read the caller with principal(c), and the
// response's meta carries the usage block.
func (s *Server) authed(scope string, acc access) gin.HandlerFunc {
	check := auth.Check{Scope: scope, Counted: acc&counted != 0, Account: acc&accountChecked != 0}
	return func(c *gin.Context) {
		p, err := s.keys.Authenticate(c.Request.Context(), bearerKey(c.GetHeader("Authorization")))
		if err != nil {
			s.unauthorized(c, err)
			return
		}
		st := state(c)
		st.principal = &p
		adm, err := s.gate.Admit(c.Request.Context(), p, check)
		setRateHeaders(c.Writer.Header(), adm.Rate)
		st.usage = usageMeta(adm.Usage)
		if err != nil {
			s.refuse(c, err)
			return
		}
		if !adm.Pending() {
			c.Next()
			return
		}
		st.admission = adm
		finished := false
		defer func() {
			if !finished { // a panic is on its way to recovery: the request failed
				st.settle(c.Request.Context(), false, s.logger)
			}
		}()
		c.Next()
		finished = true
		st.settle(c.Request.Context(), c.Writer.Status() < http.StatusBadRequest, s.logger)
	}
}

// refuse answers a request the gate did not admit, with Retry-After on a 429.
func (s *Server) refuse(c *gin.Context, err error) {
	var limitErr *auth.LimitError
	if errors.As(err, &limitErr) {
		c.Header("Retry-After", retryAfterSeconds(limitErr.RetryAfter))
	}
	writeError(c, s.logger, admissionError(err, s.termsURL))
}

// principal returns the authenticated caller; only valid behind authed.
func principal(c *gin.Context) auth.Principal { return *state(c).principal }

// bearerKey returns the key of an "Authorization: Bearer <key>" header, or "" (a
// malformed key) when the header is absent or has another scheme.
func bearerKey(header string) string {
	scheme, key, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(key)
}

// unauthorized answers 401. The message is the fixed one, except for a key of the
// wrong shape, where it shows the expected shape (never the key). A failed key
// lookup is not the caller's fault: 503.
func (s *Server) unauthorized(c *gin.Context, err error) {
	header := c.GetHeader("Authorization")
	switch {
	case errors.Is(err, auth.ErrMalformedKey) && bearerKey(header) != "":
		err = apiError(wire.CodeUnauthorized, "Malformed API key: expected "+auth.KeyShape+".", nil)
	case errors.Is(err, auth.ErrMalformedKey):
		err = apiError(wire.CodeUnauthorized, "", nil) // missing header or another scheme
	case !errors.Is(err, auth.ErrUnauthorized):
		writeError(c, s.logger, fmt.Errorf("%w: %w", errDatabaseDown, err))
		return
	}
	challenge := `Bearer realm="kapi"`
	if header != "" {
		challenge += `, error="invalid_token"`
	}
	c.Header("WWW-Authenticate", challenge)
	writeError(c, s.logger, err)
}

// settle commits (ok) or releases the request's quota unit, once; writeError
// settles with false before it renders, so an error's meta shows the released
// counter.
func (st *requestState) settle(ctx context.Context, ok bool, logger *slog.Logger) {
	if !st.admission.Pending() {
		return
	}
	if err := st.admission.Settle(ctx, ok); err != nil {
		logger.ErrorContext(ctx, "quota unit not released", "request_id", st.requestID, "error", err)
		return
	}
	st.usage = usageMeta(st.admission.Usage)
}

// admissionError turns the typed auth errors into API errors with their details
// (required scope, which limit, where to accept the terms); others pass on to the
// error table.
func admissionError(err error, termsURL string) error {
	var scopeErr *auth.ScopeError
	var limitErr *auth.LimitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &scopeErr):
		return apiError(wire.CodeInsufficientScope, "The API key lacks the "+scopeErr.Required+" scope this endpoint needs.",
			map[string]any{"required_scope": scopeErr.Required})
	case errors.As(err, &limitErr):
		return apiError(wire.CodeRateLimitExceeded, limitMessage(limitErr.Kind),
			map[string]any{"limit": string(limitErr.Kind)})
	case errors.Is(err, auth.ErrTermsNotAccepted):
		return apiError(wire.CodeLegalReviewRequired, "", map[string]any{"accept_url": termsURL})
	}
	return err
}

func limitMessage(kind auth.LimitKind) string {
	if kind == auth.LimitMonth {
		return "Monthly quota exhausted; it resets at the start of next month (UTC)."
	}
	return "Per-minute rate limit exceeded; retry after the Retry-After delay."
}

// setRateHeaders writes X-RateLimit-*; Reset is in unix seconds, rounded up.
func setRateHeaders(h http.Header, r auth.RateResult) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(r.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(r.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilUnix(r.Reset), 10))
}

func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// retryAfterSeconds is a Retry-After value: whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(secs, 1), 10)
}

func usageMeta(u auth.Usage) *wire.Usage {
	m := wire.NewUsage(u)
	return &m
}
