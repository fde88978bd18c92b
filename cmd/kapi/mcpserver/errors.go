package mcpserver

import (
	"errors"
	"math"
	"time"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/feeds"
)

// toolMessages override the wire table's default words where a tool says it
// better than an endpoint would.
var toolMessages = map[wire.Code]string{
	wire.CodeInvalidFeed:       "The feed selection is not valid; list your feeds with the list_feeds tool.",
	wire.CodeInsufficientScope: "The API key lacks the scope this tool needs.",
}

// message is a code's default words for an agent.
func message(code wire.Code) string {
	if m, ok := toolMessages[code]; ok {
		return m
	}
	return code.Message()
}

// toolError is a tool failure as the agent sees it: the JSON object in
// content[0].text and in structuredContent.
type toolError struct {
	Code    wire.Code      `json:"error"`
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
func newError(code wire.Code, words string, details map[string]any) *toolError {
	if words == "" {
		words = message(code)
	}
	return &toolError{Code: code, Message: words, Details: details}
}

// invalid is the VALIDATION_ERROR naming the offending argument.
func invalid(field, message string) *toolError {
	return newError(wire.CodeValidation, message, map[string]any{"field": field})
}

// toToolError converts any error to the *toolError that is shown: typed auth and
// feed errors keep their details and words, sentinels follow wire.CodeOf, and
// anything else is INTERNAL_ERROR with the fixed message (the cause is kept for
// the log).
func toToolError(err error, termsURL string) *toolError {
	var te *toolError
	var scopeErr *auth.ScopeError
	var limitErr *auth.LimitError
	var feedErr *feeds.SelectionError
	switch {
	case errors.As(err, &te):
		return te
	case errors.As(err, &scopeErr):
		return newError(wire.CodeInsufficientScope, "The API key lacks the "+scopeErr.Required+" scope this tool needs.",
			map[string]any{"required_scope": scopeErr.Required})
	case errors.As(err, &limitErr):
		return limitError(limitErr)
	case errors.Is(err, auth.ErrTermsNotAccepted):
		return newError(wire.CodeLegalReviewRequired, "", map[string]any{"accept_url": termsURL})
	case errors.As(err, &feedErr):
		e := fromTable(err)
		e.Message, e.Details = feedErr.Message, map[string]any{"list_feeds": "the list_feeds tool"}
		return e
	}
	return fromTable(err)
}

// fromTable maps err through wire's mapping of domain errors (INTERNAL_ERROR
// when none matches).
func fromTable(err error) *toolError {
	code, _ := wire.CodeOf(err)
	return &toolError{Code: code, Message: message(code), cause: err}
}

// limitError says which limit was hit and when to retry.
func limitError(e *auth.LimitError) *toolError {
	message := "Per-minute rate limit exceeded; retry after retry_after_seconds."
	if e.Kind == auth.LimitMonth {
		message = "Monthly quota exhausted; it resets at the start of next month (UTC)."
	}
	return newError(wire.CodeRateLimitExceeded, message, map[string]any{
		"limit": string(e.Kind), "retry_after_seconds": retryAfterSeconds(e.RetryAfter)})
}

// retryAfterSeconds is whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) int64 {
	return max(int64(math.Ceil(d.Seconds())), 1)
}
