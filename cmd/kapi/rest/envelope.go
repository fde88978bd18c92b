package rest

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// The envelope of API.md §3. Success bodies always have all five keys (pagination
// and error as null where they don't apply); error bodies have data: null, error,
// and the meta block.

type successBody struct {
	Data       any          `json:"data"`
	Pagination *pagination  `json:"pagination"`
	Meta       meta         `json:"meta"`
	Context    *respContext `json:"context,omitempty"`
	Error      *errorBody   `json:"error"`
}

type errorBody struct {
	Code    api.Code       `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

type failureBody struct {
	Data  any        `json:"data"`
	Meta  meta       `json:"meta"`
	Error *errorBody `json:"error"`
}

// pagination describes one page of a list.
type pagination struct {
	Total   int64 `json:"total"`
	Limit   int   `json:"limit"`
	Offset  int   `json:"offset"`
	HasMore bool  `json:"has_more"`
}

// meta is the meta block: the request id always, the usage counters on every
// authenticated response.
type meta struct {
	RequestID  string `json:"request_id"`
	*api.Usage        // the usage counters, on authenticated responses
	Degraded   bool   `json:"degraded,omitempty"`
}

// respContext says which feed(s) and which search mode served the request.
type respContext struct {
	Feeds []api.FeedRef `json:"feeds"`
	Mode  string        `json:"mode,omitempty"`
	// Hybrid only: how the legs were fused, and the semantic leg's weight.
	Fusion         string   `json:"fusion,omitempty"`
	SemanticWeight *float64 `json:"semantic_weight,omitempty"`
}

// reply is what a handler answers on success.
type reply struct {
	data     any
	page     *pagination
	context  *respContext
	degraded bool
}

// surface is how REST words what the request layer's errors point at: an
// endpoint needs a scope, GET /api/v1/feeds lists the feeds, Retry-After says
// when to retry, and the search query is q.
var surface = api.Surface{Operation: "endpoint", ListFeeds: "GET /api/v1/feeds",
	RetryHint: "the Retry-After delay", Params: map[string]string{"query": "q"}}

// metaOf is the request's meta block; Degraded is the handler's to set.
func metaOf(c *gin.Context) meta {
	m := meta{RequestID: api.RequestIDFrom(c.Request.Context())}
	if adm := admission(c); adm != nil {
		u := api.NewUsage(adm.Usage)
		m.Usage = &u
	}
	return m
}

// respond writes a success envelope.
func respond(c *gin.Context, status int, r reply) {
	m := metaOf(c)
	m.Degraded = r.degraded
	noteServed(c, r.context)
	c.JSON(status, successBody{Data: r.data, Pagination: r.page, Meta: m, Context: r.context})
}

// fail renders err as the request layer describes it. A failed request gives
// its quota unit back first; internal causes of 5xx errors are logged with the
// request id and never shown.
func (s *Server) fail(c *gin.Context, err error) {
	ctx := c.Request.Context()
	e := s.api.Describe(api.Explain(ctx, err), surface)
	s.settle(c, false)
	noteRefusal(c, e)
	status := e.Code.Status()
	if status >= http.StatusInternalServerError && e.Cause() != nil {
		s.logger.ErrorContext(ctx, "request failed", "request_id", api.RequestIDFrom(ctx), "code", e.Code, "error", e.Cause())
	}
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.FormatInt(e.RetryAfter, 10))
	}
	if e.Code == api.CodeUnauthorized {
		c.Header("WWW-Authenticate", s.challenge(c))
	}
	c.AbortWithStatusJSON(status, failureBody{Meta: metaOf(c), Error: &errorBody{Code: e.Code, Message: e.Message, Details: e.Details}})
}

// challenge is the WWW-Authenticate value of a 401 (RFC 6750): on /api/mcp
// with OAuth served, it names the resource's metadata (RFC 9728 §5.1), where
// agents find the authorization server.
func (s *Server) challenge(c *gin.Context) string {
	v := `Bearer realm="kapi"`
	if s.oauth != nil && c.Request.URL.Path == mcpPath {
		v = `Bearer resource_metadata="` + s.base(c) + `/.well-known/oauth-protected-resource` + mcpPath + `"`
	}
	if c.GetHeader("Authorization") != "" {
		v += `, error="invalid_token"`
	}
	return v
}
