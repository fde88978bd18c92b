package mcpserver

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/feeds"
)

// TestDomainErrors walks every row of the table: the sentinel, wrapped as the
// domain packages wrap it, maps to the row's code with the code's message.
func TestDomainErrors(t *testing.T) {
	t.Parallel()
	for _, row := range domainErrors {
		got := toToolError(fmt.Errorf("doing something: %w", row.err), DefaultTermsURL)
		if got.Code != row.code || got.Message != messages[row.code] {
			t.Errorf("%v: got %s %q, want %s %q", row.err, got.Code, got.Message, row.code, messages[row.code])
		}
	}
	for code, message := range messages {
		if message == "" {
			t.Errorf("%s has no message", code)
		}
	}
}

func TestTypedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		err         error
		wantCode    Code
		wantDetails string
	}{
		{"scope", &auth.ScopeError{Required: "feeds:write"}, CodeInsufficientScope, "map[required_scope:feeds:write]"},
		{"minute", &auth.LimitError{Kind: auth.LimitMinute, RetryAfter: 1500 * time.Millisecond}, CodeRateLimitExceeded,
			"map[limit:minute retry_after_seconds:2]"},
		{"month", &auth.LimitError{Kind: auth.LimitMonth, RetryAfter: time.Hour}, CodeRateLimitExceeded,
			"map[limit:month retry_after_seconds:3600]"},
		{"terms", auth.ErrTermsNotAccepted, CodeLegalReviewRequired, "map[accept_url:/signup/legal]"},
		{"feed scope", &feeds.ScopeError{Err: feeds.ErrNotSubscribed, Message: "not subscribed"}, CodeFeedNotSubscribed,
			"map[list_feeds:the list_feeds tool]"},
		{"tool error", invalid("limit", "too big"), CodeValidation, "map[field:limit]"},
		{"unknown", errors.New("connection reset"), CodeInternal, "map[]"},
	}
	for _, tt := range tests {
		got := toToolError(tt.err, DefaultTermsURL)
		if got.Code != tt.wantCode || fmt.Sprint(got.Details) != tt.wantDetails {
			t.Errorf("%s: got %s %v, want %s %s", tt.name, got.Code, got.Details, tt.wantCode, tt.wantDetails)
		}
	}
	if got := toToolError(errors.New("secret detail"), ""); got.Message != messages[CodeInternal] {
		t.Errorf("internal error message %q, want the fixed one", got.Message)
	}
}
