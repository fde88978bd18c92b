package rest

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// RequestRecord is what an Observer learns about one request once it is
// answered.
type RequestRecord struct {
	Route    string // the route pattern ("/api/v1/knowledge/:id"), "(unmatched)" for none
	Method   string
	Status   int
	Duration time.Duration
	Mode     string // the search mode that served it; "" when not a search
	Limit    string // "minute" or "month" when refused by a rate limit or the quota
}

// Observer is told about every request, after the response: the metrics.
// It must be safe for concurrent use and quick.
type Observer interface {
	ObserveRequest(RequestRecord)
}

// Keys of what handlers leave in the gin context for the access log.
const (
	logFeedsKey = "kapi.log.feeds" // []string: the ids of the feeds served
	logModeKey  = "kapi.log.mode"  // string: the search mode
	logLimitKey = "kapi.log.limit" // string: minute | month, on a 429
)

// noteServed leaves the feeds and mode of a response for the access log.
func noteServed(c *gin.Context, rc *respContext) {
	if rc == nil {
		return
	}
	ids := make([]string, len(rc.Feeds))
	for i, f := range rc.Feeds {
		ids[i] = f.ID
	}
	c.Set(logFeedsKey, ids)
	if rc.Mode != "" {
		c.Set(logModeKey, rc.Mode)
	}
}

// noteRefusal leaves which limit refused the request for the access log.
func noteRefusal(c *gin.Context, e *api.Error) {
	if e.Code != api.CodeRateLimitExceeded {
		return
	}
	if limit, ok := e.Details["limit"].(string); ok {
		c.Set(logLimitKey, limit)
	}
}

// recordOf is the request's record once it is answered.
func recordOf(c *gin.Context, d time.Duration) RequestRecord {
	route := c.FullPath()
	if route == "" {
		route = "(unmatched)"
	}
	return RequestRecord{Route: route, Method: c.Request.Method, Status: c.Writer.Status(), Duration: d,
		Mode: c.GetString(logModeKey), Limit: c.GetString(logLimitKey)}
}
