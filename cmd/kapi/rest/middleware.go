package rest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// saneRequestID is what an incoming X-Request-Id must look like to be echoed.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// requestID echoes a sane incoming X-Request-Id or makes one, and sets it on the
// response before anything else can fail.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if !saneRequestID.MatchString(id) {
			id = newRequestID()
		}
		state(c).requestID = id
		h := c.Writer.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		c.Next()
	}
}

func newRequestID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return "req_" + hex.EncodeToString(b)
}

// accessLog writes one line per request. It logs the path, never the query string
// or headers, so keys and queries stay out of the log.
func accessLog(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "(unmatched)"
		}
		level := slog.LevelInfo
		if c.Writer.Status() >= http.StatusInternalServerError {
			level = slog.LevelError
		}
		logger.Log(c.Request.Context(), level, "http request",
			"request_id", state(c).requestID,
			"method", c.Request.Method,
			"route", route,
			"path", c.Request.URL.Path,
			"status", c.Writer.Status(),
			"bytes", c.Writer.Size(),
			"duration_ms", float64(time.Since(start).Microseconds())/1000,
			"client_ip", c.ClientIP(),
		)
	}
}

// recovery turns a panic in a handler into a 500 INTERNAL_ERROR envelope and a log
// line with the stack; the client sees nothing of the internals.
func recovery(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
				panic(v)
			}
			logger.ErrorContext(c.Request.Context(), "panic in handler",
				"request_id", state(c).requestID, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				writeError(c, logger, errors.New("panic recovered"))
				return
			}
			c.Abort()
		}()
		c.Next()
	}
}

// bodyLimit caps every request body: limits by route, else def. Reading past the
// cap fails, and the handler reports a VALIDATION_ERROR (see bindJSON).
func bodyLimit(def int64, byRoute map[string]int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := def
		if n, ok := byRoute[c.FullPath()]; ok {
			limit = n
		}
		if c.Request.ContentLength > limit {
			writeError(c, discardLogger, validationError("body",
				fmt.Sprintf("request body is larger than %d bytes", limit), map[string]any{"max_bytes": limit}))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// discardLogger is for writeError calls that never carry an internal cause.
var discardLogger = slog.New(slog.DiscardHandler)

// requestTimeout bounds the work of one request (database queries, embedding):
// past it, the request's context is cancelled and the handler's I/O fails. It is
// generous enough for a 500-entry ingest embedded by the local model.
const requestTimeout = 30 * time.Second

// deadline gives every request a context that ends after requestTimeout.
func deadline() gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), requestTimeout)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}
