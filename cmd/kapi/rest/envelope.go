package rest

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/wire"
)

// The envelope of API.md §3. Success bodies always have all five keys (pagination
// and error as null where they don't apply); error bodies have data: null, error,
// and the meta block.

type successBody struct {
	Data       any          `json:"data"`
	Pagination *Pagination  `json:"pagination"`
	Meta       Meta         `json:"meta"`
	Context    *RespContext `json:"context,omitempty"`
	Error      *errorBody   `json:"error"`
}

type errorBody struct {
	Code    wire.Code      `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

type failureBody struct {
	Data  any        `json:"data"`
	Meta  Meta       `json:"meta"`
	Error *errorBody `json:"error"`
}

// Pagination describes one page of a list.
type Pagination struct {
	Total   int64 `json:"total"`
	Limit   int   `json:"limit"`
	Offset  int   `json:"offset"`
	HasMore bool  `json:"has_more"`
}

// Meta is the meta block: the request id always, the usage counters on every
// authenticated response.
type Meta struct {
	RequestID   string `json:"request_id"`
	*wire.Usage        // the usage counters, on authenticated responses
	Degraded    bool   `json:"degraded,omitempty"`
}

// RespContext says which feed(s) and which search mode served the request.
type RespContext struct {
	Feeds []wire.FeedRef `json:"feeds"`
	Mode  string         `json:"mode,omitempty"`
	// Hybrid only: how the legs were fused, and the semantic leg's weight.
	Fusion         string   `json:"fusion,omitempty"`
	SemanticWeight *float64 `json:"semantic_weight,omitempty"`
}

// requestState is what middleware and handlers learn about a request on the way
// and what the envelope reports.
type requestState struct {
	requestID string
	usage     *wire.Usage
	context   *RespContext
	degraded  bool
	principal *auth.Principal // set by authed
	admission *auth.Admission // authed's admission holding a reserved quota unit, if any
}

const stateKey = "kapi.request"

func state(c *gin.Context) *requestState {
	if v, ok := c.Get(stateKey); ok {
		return v.(*requestState)
	}
	st := &requestState{}
	c.Set(stateKey, st)
	return st
}

func (st *requestState) meta() Meta {
	return Meta{RequestID: st.requestID, Usage: st.usage, Degraded: st.degraded}
}

// respond writes a success envelope.
func respond(c *gin.Context, status int, data any, page *Pagination) {
	st := state(c)
	c.JSON(status, successBody{Data: data, Pagination: page, Meta: st.meta(), Context: st.context})
}

// writeError renders err through the one error table. Internal causes are logged
// with the request id and never shown.
func writeError(c *gin.Context, logger *slog.Logger, err error) {
	e := toAPIError(err)
	st := state(c)
	st.settle(c.Request.Context(), false, logger) // a failed request gives its quota unit back first
	status := e.Status()
	if status >= http.StatusInternalServerError && e.cause != nil {
		logger.ErrorContext(c.Request.Context(), "request failed",
			"request_id", st.requestID, "code", e.Code, "error", e.cause)
	}
	c.AbortWithStatusJSON(status, failureBody{
		Meta:  st.meta(),
		Error: &errorBody{Code: e.Code, Message: e.Message, Details: e.Details},
	})
}
