package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// TestDescribe walks every domain sentinel and typed error, wrapped as the
// domain packages wrap them: each gets the status and code of API.md §8, as
// written out here (not read from the table), and the details a client acts on.
// Every row of the table must be reached by a case.
func TestDescribe(t *testing.T) {
	t.Parallel()
	w := func(err error) error { return fmt.Errorf("doing something: %w", err) }
	tests := []struct {
		name    string
		err     error
		status  int
		code    string
		details string // fmt of the details; "" for none
	}{
		{"embedder down", w(embed.ErrUnavailable), 503, "SERVICE_UNAVAILABLE", "map[dependency:embedding provider]"},
		{"embedder refuses", w(embed.ErrRejected), 400, "VALIDATION_ERROR", ""},
		{"database down", w(ErrUnavailable), 503, "SERVICE_UNAVAILABLE", "map[dependency:database]"},
		{"out of time", w(errOutOfTime), 503, "SERVICE_UNAVAILABLE", ""},
		{"search field", w(&search.FieldError{Field: "limit", Problem: "must be ...", Min: new(1.0), Max: new(50.0)}),
			400, "VALIDATION_ERROR", "map[field:limit max:50 min:1]"},
		{"search choice", &search.FieldError{Field: "mode", Problem: "must be ...", Allowed: []string{"keyword"}},
			400, "VALIDATION_ERROR", "map[allowed:[keyword] field:mode]"},
		{"search query", w(search.ErrInvalidQuery), 400, "VALIDATION_ERROR", ""},
		{"ingest batch", &search.BatchError{Problems: []search.Problem{{Index: 2, Field: "title", Message: "is long"}}},
			400, "VALIDATION_ERROR", "map[field:title problems:[map[field:title index:2 message:is long]]]"},
		{"unreadable batch", &search.ReadError{Line: 3, Message: "invalid JSON"}, 400, "VALIDATION_ERROR", "map[field:body line:3]"},
		{"batch too large", &search.ReadError{Line: 9, Message: "too large", Err: &http.MaxBytesError{Limit: 16}},
			413, "PAYLOAD_TOO_LARGE", "map[field:body max_bytes:16]"},
		{"entry not found", w(search.ErrNotFound), 404, "NOT_FOUND", ""},
		{"bad selection", &feeds.SelectionError{Err: feeds.ErrInvalidSelection, Message: "name one"}, 400, "INVALID_FEED",
			"map[field:feed list_feeds:GET /api/v1/feeds]"},
		{"feed not found", w(feeds.ErrNotFound), 404, "NOT_FOUND", "map[list_feeds:GET /api/v1/feeds]"},
		{"not subscribed", w(feeds.ErrNotSubscribed), 403, "FEED_NOT_SUBSCRIBED", "map[list_feeds:GET /api/v1/feeds]"},
		{"feed archived", &feeds.SelectionError{Err: feeds.ErrUnavailable, Message: "archived"}, 404, "FEED_UNAVAILABLE", ""},
		{"feed field", &feeds.FieldError{Field: "slug", Problem: "must be ..."}, 400, "VALIDATION_ERROR", "map[field:slug]"},
		{"feed page", &feeds.FieldError{Field: "offset", Problem: "must be ...", Min: new(0.0), Max: new(10_000.0)},
			400, "VALIDATION_ERROR", "map[field:offset max:10000 min:0]"},
		{"grantee not found", w(feeds.ErrNoAccount), 404, "NOT_FOUND", ""},
		{"slug taken", w(feeds.ErrDuplicate), 400, "VALIDATION_ERROR", "map[field:slug]"},
		{"unknown key", w(auth.ErrUnauthorized), 401, "UNAUTHORIZED", ""},
		{"malformed key", w(auth.ErrMalformedKey), 401, "UNAUTHORIZED", ""},
		{"scope", &auth.ScopeError{Required: "keys:read"}, 403, "INSUFFICIENT_SCOPE", "map[required_scope:keys:read]"},
		{"inactive", w(auth.ErrSubscriptionInactive), 403, "SUBSCRIPTION_INACTIVE", ""},
		{"terms", w(auth.ErrTermsNotAccepted), 412, "LEGAL_REVIEW_REQUIRED", "map[accept_url:/signup/legal]"},
		{"minute limit", &auth.LimitError{Kind: auth.LimitMinute, RetryAfter: 1500 * time.Millisecond}, 429,
			"RATE_LIMIT_EXCEEDED", "map[limit:minute retry_after_seconds:2]"},
		{"month limit", w(&auth.LimitError{Kind: auth.LimitMonth, RetryAfter: time.Hour}), 429,
			"RATE_LIMIT_EXCEEDED", "map[limit:month retry_after_seconds:3600]"},
		{"category", &auth.CategoryError{Category: "diet", Allowed: []string{"sleep"}}, 403, "CATEGORY_RESTRICTED",
			"map[allowed_categories:[sleep] category:diet]"},
		{"key not found", w(auth.ErrNotFound), 404, "NOT_FOUND", ""},
		{"key revoked", w(auth.ErrKeyRevoked), 400, "VALIDATION_ERROR", "map[field:id]"},
		{"key field", &auth.FieldError{Field: "env", Problem: "must be ...", Allowed: []string{"live", "test"}},
			400, "VALIDATION_ERROR", "map[allowed:[live test] field:env]"},
		{"auth argument", w(auth.ErrInvalid), 400, "VALIDATION_ERROR", ""},
		{"request layer", Invalid("verbosity", "must be ...", nil), 400, "VALIDATION_ERROR", "map[field:verbosity]"},
		{"anything else", errors.New("connection reset"), 500, "INTERNAL_ERROR", ""},
	}
	svc := New(Deps{})
	rest := Surface{Operation: "endpoint", ListFeeds: "GET /api/v1/feeds", RetryHint: "the Retry-After delay"}
	for _, tt := range tests {
		got := svc.Describe(tt.err, rest)
		details := ""
		if got.Details != nil {
			details = fmt.Sprint(got.Details)
		}
		if got.Code.Status() != tt.status || string(got.Code) != tt.code || got.Message == "" || details != tt.details {
			t.Errorf("%s: got %d %s %q %s, want %d %s %s", tt.name, got.Code.Status(), got.Code, got.Message, details,
				tt.status, tt.code, tt.details)
		}
	}
	for _, r := range rows {
		reached := false
		for _, tt := range tests {
			reached = reached || errors.Is(tt.err, r.err)
		}
		if !reached {
			t.Errorf("no case reaches the row of %v", r.err)
		}
	}
}

// TestDescribeDependencyFailures: what the driver and the runtime say when a
// dependency fails is SERVICE_UNAVAILABLE with Retry-After, naming the
// database when it is the database; a database error about the request's
// data is not.
func TestDescribeDependencyFailures(t *testing.T) {
	t.Parallel()
	w := func(err error) error { return fmt.Errorf("reserve quota: %w", err) }
	tests := []struct {
		name string
		err  error
		code Code
		dep  any
	}{
		{"refused", w(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), CodeServiceUnavailable, "database"},
		{"reset", w(syscall.ECONNRESET), CodeServiceUnavailable, "database"},
		{"cut mid-answer", w(io.ErrUnexpectedEOF), CodeServiceUnavailable, "database"},
		{"admin shutdown", w(&pgconn.PgError{Code: "57P01"}), CodeServiceUnavailable, "database"},
		{"too many connections", w(&pgconn.PgError{Code: "53300"}), CodeServiceUnavailable, "database"},
		{"statement timeout", w(&pgconn.PgError{Code: "57014"}), CodeServiceUnavailable, "database"},
		{"connection failure", w(&pgconn.PgError{Code: "08006"}), CodeServiceUnavailable, "database"},
		{"closed connection", w(pgconn.ErrConnClosed), CodeServiceUnavailable, "database"},
		{"deadline", w(context.DeadlineExceeded), CodeServiceUnavailable, nil},
		{"bad data", w(&pgconn.PgError{Code: "22021"}), CodeInternal, nil},
	}
	svc := New(Deps{})
	for _, tt := range tests {
		got := svc.Describe(tt.err, Surface{})
		if got.Code != tt.code || got.Details["dependency"] != tt.dep {
			t.Errorf("%s: got %s %v, want %s naming %v", tt.name, got.Code, got.Details, tt.code, tt.dep)
		}
		if (got.Code == CodeServiceUnavailable) != (got.RetryAfter > 0) {
			t.Errorf("%s: %s with Retry-After %d", tt.name, got.Code, got.RetryAfter)
		}
	}
}

// TestDescribeInSurfaceWords: the same error in each surface's words: field
// names, where to list feeds, what needs the scope, where the retry delay is.
func TestDescribeInSurfaceWords(t *testing.T) {
	t.Parallel()
	svc := New(Deps{TermsURL: "https://example.com/terms"})
	mcp := Surface{Operation: "tool", ListFeeds: "the list_feeds tool", RetryHint: "retry_after_seconds",
		Params: map[string]string{"query": "q"}}
	tests := []struct {
		err         error
		wantMessage string
		wantDetails string
	}{
		{&search.FieldError{Field: "query", Problem: "is required"}, "q is required", "map[field:q]"},
		{&auth.ScopeError{Required: "feeds:write"}, "The API key lacks the feeds:write scope this tool needs.",
			"map[required_scope:feeds:write]"},
		{&auth.LimitError{Kind: auth.LimitMinute, RetryAfter: time.Second},
			"Per-minute rate limit exceeded; retry after retry_after_seconds.", "map[limit:minute retry_after_seconds:1]"},
		{feeds.ErrNotFound, "No such feed.", "map[list_feeds:the list_feeds tool]"},
		{auth.ErrTermsNotAccepted, "The account must accept the updated terms.", "map[accept_url:https://example.com/terms]"},
	}
	for _, tt := range tests {
		got := svc.Describe(tt.err, mcp)
		if got.Message != tt.wantMessage || fmt.Sprint(got.Details) != tt.wantDetails {
			t.Errorf("%v: got %q %v, want %q %s", tt.err, got.Message, got.Details, tt.wantMessage, tt.wantDetails)
		}
	}
}
