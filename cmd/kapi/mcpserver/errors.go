package mcpserver

import (
	"errors"
	"math"
	"time"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// Code is an API error code (API.md §8). A failing tool reports the code REST
// would answer with for the same failure.
type Code string

// The API error codes a tool can report.
const (
	CodeValidation           Code = "VALIDATION_ERROR"
	CodeInvalidFeed          Code = "INVALID_FEED"
	CodeUnauthorized         Code = "UNAUTHORIZED"
	CodeInsufficientScope    Code = "INSUFFICIENT_SCOPE"
	CodeSubscriptionInactive Code = "SUBSCRIPTION_INACTIVE"
	CodeFeedNotSubscribed    Code = "FEED_NOT_SUBSCRIBED"
	CodeCategoryRestricted   Code = "CATEGORY_RESTRICTED"
	CodeNotFound             Code = "NOT_FOUND"
	CodeFeedUnavailable      Code = "FEED_UNAVAILABLE"
	CodeLegalReviewRequired  Code = "LEGAL_REVIEW_REQUIRED"
	CodeRateLimitExceeded    Code = "RATE_LIMIT_EXCEEDED"
	CodeInternal             Code = "INTERNAL_ERROR"
	CodeServiceUnavailable   Code = "SERVICE_UNAVAILABLE"
)

// messages are the default words of each code, used when nothing more specific
// is said; they match REST's error table.
var messages = map[Code]string{
	CodeValidation:           "The request is not valid.",
	CodeInvalidFeed:          "The feed selection is not valid; list your feeds with the list_feeds tool.",
	CodeUnauthorized:         "Invalid or missing API key.",
	CodeInsufficientScope:    "The API key lacks the scope this tool needs.",
	CodeSubscriptionInactive: "The account's subscription is not active.",
	CodeFeedNotSubscribed:    "The account has no active subscription to this feed.",
	CodeCategoryRestricted:   "The API key may not read this category.",
	CodeNotFound:             "Not found.",
	CodeFeedUnavailable:      "The feed is archived or suspended.",
	CodeLegalReviewRequired:  "The account must accept the updated terms.",
	CodeRateLimitExceeded:    "Rate limit exceeded.",
	CodeInternal:             "An internal error occurred.",
	CodeServiceUnavailable:   "A service kapi depends on is unavailable; try again shortly.",
}

// domainErrors maps the domain packages' sentinel errors to codes, like REST's
// table. An error that matches no row (and is no *toolError) is INTERNAL_ERROR.
var domainErrors = []struct {
	err  error
	code Code
}{
	{embed.ErrUnavailable, CodeServiceUnavailable},
	{embed.ErrRejected, CodeValidation},
	{search.ErrInvalidQuery, CodeValidation},
	{search.ErrNotFound, CodeNotFound},
	{feeds.ErrInvalidScope, CodeInvalidFeed},
	{feeds.ErrNotFound, CodeNotFound},
	{feeds.ErrNotSubscribed, CodeFeedNotSubscribed},
	{feeds.ErrUnavailable, CodeFeedUnavailable},
	{auth.ErrInsufficientScope, CodeInsufficientScope},
	{auth.ErrSubscriptionInactive, CodeSubscriptionInactive},
	{auth.ErrTermsNotAccepted, CodeLegalReviewRequired},
	{auth.ErrRateLimited, CodeRateLimitExceeded},
}

// toolError is a tool failure as the agent sees it: the JSON object in
// content[0].text and in structuredContent.
type toolError struct {
	Code    Code           `json:"error"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
	cause   error          // logged, never shown
}

// Error says the code and message, and the internal cause when there is one.
func (e *toolError) Error() string {
	if e.cause != nil {
		return string(e.Code) + ": " + e.Message + ": " + e.cause.Error()
	}
	return string(e.Code) + ": " + e.Message
}

// Unwrap returns the internal cause.
func (e *toolError) Unwrap() error { return e.cause }

// newError builds a *toolError; an empty message takes the code's default.
func newError(code Code, message string, details map[string]any) *toolError {
	if message == "" {
		message = messages[code]
	}
	return &toolError{Code: code, Message: message, Details: details}
}

// invalid is the VALIDATION_ERROR naming the offending argument.
func invalid(field, message string) *toolError {
	return newError(CodeValidation, message, map[string]any{"field": field})
}

// toToolError converts any error to the *toolError that is shown: typed auth and
// feed errors keep their details and words, sentinels follow domainErrors, and
// anything else is INTERNAL_ERROR with the fixed message (the cause is kept for
// the log).
func toToolError(err error, termsURL string) *toolError {
	var te *toolError
	var scopeErr *auth.ScopeError
	var limitErr *auth.LimitError
	var feedErr *feeds.ScopeError
	switch {
	case errors.As(err, &te):
		return te
	case errors.As(err, &scopeErr):
		return newError(CodeInsufficientScope, "The API key lacks the "+scopeErr.Required+" scope this tool needs.",
			map[string]any{"required_scope": scopeErr.Required})
	case errors.As(err, &limitErr):
		return limitError(limitErr)
	case errors.Is(err, auth.ErrTermsNotAccepted):
		return newError(CodeLegalReviewRequired, "", map[string]any{"accept_url": termsURL})
	case errors.As(err, &feedErr):
		e := fromTable(err)
		e.Message, e.Details = feedErr.Message, map[string]any{"list_feeds": "the list_feeds tool"}
		return e
	}
	return fromTable(err)
}

// fromTable maps err through domainErrors.
func fromTable(err error) *toolError {
	for _, row := range domainErrors {
		if errors.Is(err, row.err) {
			return &toolError{Code: row.code, Message: messages[row.code], cause: err}
		}
	}
	return &toolError{Code: CodeInternal, Message: messages[CodeInternal], cause: err}
}

// limitError says which limit was hit and when to retry.
func limitError(e *auth.LimitError) *toolError {
	message := "Per-minute rate limit exceeded; retry after retry_after_seconds."
	if e.Kind == auth.LimitMonth {
		message = "Monthly quota exhausted; it resets at the start of next month (UTC)."
	}
	return newError(CodeRateLimitExceeded, message, map[string]any{
		"limit": string(e.Kind), "retry_after_seconds": retryAfterSeconds(e.RetryAfter)})
}

// retryAfterSeconds is whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) int64 {
	return max(int64(math.Ceil(d.Seconds())), 1)
}
