package rest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// Body size limits (API.md §4).
const (
	maxBodyBytes  = api.MaxBodyBytes  // single JSON objects
	maxBatchBytes = api.MaxBatchBytes // entry batches
)

// requestID echoes a sane incoming X-Request-Id or makes one, puts it in the
// request's context (api.RequestIDFrom) and sets it on the response before
// anything else can fail.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := api.RequestID(c.GetHeader("X-Request-Id"))
		c.Request = c.Request.WithContext(api.WithRequestID(c.Request.Context(), id))
		h := c.Writer.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		c.Next()
	}
}

// accessLog writes one line per request and tells the observer. It logs the
// path, never the query string or headers, so secrets and queries stay out of
// the log: the caller is named by account id and the key's public prefix.
func accessLog(logger *slog.Logger, obs Observer) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		rec := recordOf(c, time.Since(start))
		level := slog.LevelInfo
		if rec.Status >= http.StatusInternalServerError {
			level = slog.LevelError
		}
		attrs := []any{"request_id", api.RequestIDFrom(c.Request.Context()), "method", rec.Method,
			"route", rec.Route, "path", c.Request.URL.Path, "status", rec.Status, "bytes", c.Writer.Size(),
			"duration_ms", float64(rec.Duration.Microseconds()) / 1000, "client_ip", c.ClientIP()}
		logger.Log(c.Request.Context(), level, "http request", append(attrs, callerAttrs(c, rec)...)...)
		if obs != nil {
			obs.ObserveRequest(rec)
		}
	}
}

// callerAttrs are the log attributes of who asked and what was served: only
// those the request got as far as having.
func callerAttrs(c *gin.Context, rec RequestRecord) []any {
	var attrs []any
	if p, ok := api.PrincipalFrom(c.Request.Context()); ok {
		attrs = append(attrs, "account_id", p.AccountID.String(), "key_prefix", p.KeyPrefix)
	}
	if ids, ok := c.Get(logFeedsKey); ok {
		attrs = append(attrs, "feed_ids", ids)
	}
	if rec.Mode != "" {
		attrs = append(attrs, "mode", rec.Mode)
	}
	if rec.Limit != "" {
		attrs = append(attrs, "limit", rec.Limit)
	}
	return attrs
}

// recovery turns a panic in a handler into a 500 INTERNAL_ERROR envelope and a log
// line with the stack; the client sees nothing of the internals.
func (s *Server) recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
				panic(v)
			}
			s.logger.ErrorContext(c.Request.Context(), "panic in handler",
				"request_id", api.RequestIDFrom(c.Request.Context()), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				s.fail(c, errors.New("panic recovered"))
				return
			}
			c.Abort()
		}()
		c.Next()
	}
}

// bodyLimit caps every request body: limits by route, else def. A body
// announced over the cap is refused at once; reading past the cap fails, and
// the handler reports a VALIDATION_ERROR (see bindJSON).
func (s *Server) bodyLimit(def int64, byRoute map[string]int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := def
		if n, ok := byRoute[c.FullPath()]; ok {
			limit = n
		}
		if c.Request.ContentLength > limit {
			s.fail(c, api.TooLarge(limit))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// deadline gives every request the request layer's bounded context: it ends
// after api.RequestTimeout, or as soon as the database is seen down. /api/mcp
// is left alone: the SDK writes no response at all once the HTTP request's
// context has ended, so the MCP handler bounds each tool call instead (and
// authenticate bounds the key check).
func (s *Server) deadline() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.FullPath() == mcpPath {
			c.Next()
			return
		}
		ctx, cancel := s.api.Bound(c.Request.Context())
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// checkTextInput refuses a request whose query parameters, path parameters
// or feed header hold invalid UTF-8 or a NUL character: 400
// VALIDATION_ERROR naming the parameter, before anything reaches the
// database.
func checkTextInput(c *gin.Context) error {
	for name, values := range c.Request.URL.Query() {
		if err := api.CheckText("query string", name); err != nil {
			return err
		}
		for _, v := range values {
			if err := api.CheckText(name, v); err != nil {
				return err
			}
		}
	}
	for _, p := range c.Params {
		if err := api.CheckText(p.Key, p.Value); err != nil {
			return err
		}
	}
	return api.CheckText(headerFeed, c.GetHeader(headerFeed))
}
