package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/api"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// TestToolErrorShapes: errors as tools render them, in the tools' words: the
// codes and details are written out here.
func TestToolErrorShapes(t *testing.T) {
	t.Parallel()
	svc := api.New(api.Deps{})
	tests := []struct {
		name        string
		err         error
		wantCode    string
		wantDetails string
	}{
		{"scope", &auth.ScopeError{Required: "feeds:write"}, "INSUFFICIENT_SCOPE", "map[required_scope:feeds:write]"},
		{"minute", &auth.LimitError{Kind: auth.LimitMinute, RetryAfter: 1500 * time.Millisecond}, "RATE_LIMIT_EXCEEDED",
			"map[limit:minute retry_after_seconds:2]"},
		{"month", &auth.LimitError{Kind: auth.LimitMonth, RetryAfter: time.Hour}, "RATE_LIMIT_EXCEEDED",
			"map[limit:month retry_after_seconds:3600]"},
		{"terms", auth.ErrTermsNotAccepted, "LEGAL_REVIEW_REQUIRED", "map[accept_url:/signup/legal]"},
		{"feed selection", &feeds.SelectionError{Err: feeds.ErrNotSubscribed, Message: "not subscribed"}, "FEED_NOT_SUBSCRIBED",
			"map[list_feeds:the list_feeds tool]"},
		{"query", &search.FieldError{Field: "query", Problem: "is required"}, "VALIDATION_ERROR", "map[field:query]"},
		{"arguments", api.DecodeJSON(strings.NewReader("[1]"), &struct{}{}), "VALIDATION_ERROR", "map[field:arguments]"},
		{"unknown", errors.New("connection reset"), "INTERNAL_ERROR", "map[]"},
	}
	for _, tt := range tests {
		res := errorResult(svc.Describe(tt.err, surface), toolMeta{RequestID: "req_1"})
		var got struct {
			Error   string
			Message string
			Details map[string]any
			Meta    map[string]any
		}
		if err := json.Unmarshal([]byte(res.Content[0].(*mcp.TextContent).Text), &got); err != nil {
			t.Fatal(err)
		}
		if !res.IsError || got.Error != tt.wantCode || fmt.Sprint(got.Details) != tt.wantDetails || got.Message == "" {
			t.Errorf("%s: got %+v, want %s %s", tt.name, got, tt.wantCode, tt.wantDetails)
		}
		if got.Meta["request_id"] != "req_1" {
			t.Errorf("%s: meta %v, want the request id", tt.name, got.Meta)
		}
	}
	if got := svc.Describe(errors.New("secret detail"), surface); got.Message != "An internal error occurred." {
		t.Errorf("internal error message %q, want the fixed one", got.Message)
	}
}

// TestNoCaller: the handler answers a call without a caller in its context
// (nothing authenticated it) with INTERNAL_ERROR, never as anyone.
func TestNoCaller(t *testing.T) {
	t.Parallel()
	s := &server{api: api.New(api.Deps{})}
	_, _, err := s.admitAndRun(context.Background(), auth.Check{Scope: "usage:read"}, nil)
	if got := s.api.Describe(err, surface); got.Code != "INTERNAL_ERROR" {
		t.Errorf("got %s, want INTERNAL_ERROR", got.Code)
	}
}
