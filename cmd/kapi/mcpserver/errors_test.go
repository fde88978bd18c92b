package mcpserver

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/feeds"
)

// TestDomainErrors walks every row of the table: the sentinel, wrapped as the
// domain packages wrap it, maps to the row's code with the code's message.
func TestDomainErrors(t *testing.T) {
	t.Parallel()
	for sentinel, code := range wire.DomainErrors() {
		got := toToolError(fmt.Errorf("doing something: %w", sentinel), DefaultTermsURL)
		if got.Code != code || got.Message != message(code) {
			t.Errorf("%v: got %s %q, want %s %q", sentinel, got.Code, got.Message, code, message(code))
		}
	}
	for _, code := range wire.Codes() {
		if message(code) == "" {
			t.Errorf("%s has no message", code)
		}
	}
}

func TestTypedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		err         error
		wantCode    wire.Code
		wantDetails string
	}{
		{"scope", &auth.ScopeError{Required: "feeds:write"}, wire.CodeInsufficientScope, "map[required_scope:feeds:write]"},
		{"minute", &auth.LimitError{Kind: auth.LimitMinute, RetryAfter: 1500 * time.Millisecond}, wire.CodeRateLimitExceeded,
			"map[limit:minute retry_after_seconds:2]"},
		{"month", &auth.LimitError{Kind: auth.LimitMonth, RetryAfter: time.Hour}, wire.CodeRateLimitExceeded,
			"map[limit:month retry_after_seconds:3600]"},
		{"terms", auth.ErrTermsNotAccepted, wire.CodeLegalReviewRequired, "map[accept_url:/signup/legal]"},
		{"feed scope", &feeds.SelectionError{Err: feeds.ErrNotSubscribed, Message: "not subscribed"}, wire.CodeFeedNotSubscribed,
			"map[list_feeds:the list_feeds tool]"},
		{"tool error", invalid("limit", "too big"), wire.CodeValidation, "map[field:limit]"},
		{"unknown", errors.New("connection reset"), wire.CodeInternal, "map[]"},
	}
	for _, tt := range tests {
		got := toToolError(tt.err, DefaultTermsURL)
		if got.Code != tt.wantCode || fmt.Sprint(got.Details) != tt.wantDetails {
			t.Errorf("%s: got %s %v, want %s %s", tt.name, got.Code, got.Details, tt.wantCode, tt.wantDetails)
		}
	}
	if got := toToolError(errors.New("secret detail"), ""); got.Message != message(wire.CodeInternal) {
		t.Errorf("internal error message %q, want the fixed one", got.Message)
	}
}
