package rest

import (
	"errors"
	"net/http"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/embed"
)

// Code is an API error code (API.md §8). Clients branch on it; it never changes
// meaning once published.
type Code string

// The API error codes.
const (
	CodeValidation            Code = "VALIDATION_ERROR"
	CodeInvalidFeed           Code = "INVALID_FEED"
	CodeUnauthorized          Code = "UNAUTHORIZED"
	CodeInsufficientScope     Code = "INSUFFICIENT_SCOPE"
	CodeSubscriptionInactive  Code = "SUBSCRIPTION_INACTIVE"
	CodeFeedNotSubscribed     Code = "FEED_NOT_SUBSCRIBED"
	CodeCategoryRestricted    Code = "CATEGORY_RESTRICTED"
	CodeTierInsufficient      Code = "TIER_INSUFFICIENT"
	CodeNotFound              Code = "NOT_FOUND"
	CodeFeedUnavailable       Code = "FEED_UNAVAILABLE"
	CodeMethodNotAllowed      Code = "METHOD_NOT_ALLOWED"
	CodeLegalReviewRequired   Code = "LEGAL_REVIEW_REQUIRED"
	CodeStripeConnectRequired Code = "STRIPE_CONNECT_REQUIRED"
	CodeRateLimitExceeded     Code = "RATE_LIMIT_EXCEEDED"
	CodeInternal              Code = "INTERNAL_ERROR"
	CodeServiceUnavailable    Code = "SERVICE_UNAVAILABLE"
)

// errorTable is THE table of API errors: every code with its HTTP status and the
// message used when nothing more specific is said. It is the only place a status
// is chosen for an error; tests walk every row.
var errorTable = map[Code]struct {
	status  int
	message string
}{
	CodeValidation:            {http.StatusBadRequest, "The request is not valid."},
	CodeInvalidFeed:           {http.StatusBadRequest, "The feed selection is not valid; list your feeds with GET /api/v1/feeds."},
	CodeUnauthorized:          {http.StatusUnauthorized, "Invalid or missing API key."},
	CodeInsufficientScope:     {http.StatusForbidden, "The API key lacks the scope this endpoint needs."},
	CodeSubscriptionInactive:  {http.StatusForbidden, "The account's subscription is not active."},
	CodeFeedNotSubscribed:     {http.StatusForbidden, "The account has no active subscription to this feed."},
	CodeCategoryRestricted:    {http.StatusForbidden, "The API key may not read this category."},
	CodeTierInsufficient:      {http.StatusForbidden, "The account's tier does not include this feature."},
	CodeNotFound:              {http.StatusNotFound, "Not found."},
	CodeFeedUnavailable:       {http.StatusNotFound, "The feed is archived or suspended."},
	CodeMethodNotAllowed:      {http.StatusMethodNotAllowed, "Method not allowed for this endpoint."},
	CodeLegalReviewRequired:   {http.StatusPreconditionFailed, "The account must accept the updated terms."},
	CodeStripeConnectRequired: {http.StatusPreconditionFailed, "Paid feeds need payouts set up for the account."},
	CodeRateLimitExceeded:     {http.StatusTooManyRequests, "Rate limit exceeded."},
	CodeInternal:              {http.StatusInternalServerError, "An internal error occurred."},
	CodeServiceUnavailable:    {http.StatusServiceUnavailable, "A service kapi depends on is unavailable; try again shortly."},
}

// domainErrors maps the domain packages' sentinel errors to API codes. An error
// that matches no row (and is not an *Error) is a 500 INTERNAL_ERROR.
var domainErrors = []struct {
	err  error
	code Code
}{
	{embed.ErrUnavailable, CodeServiceUnavailable},
	{embed.ErrRejected, CodeValidation},
	{errDatabaseDown, CodeServiceUnavailable},
	{auth.ErrUnauthorized, CodeUnauthorized},
	{auth.ErrMalformedKey, CodeUnauthorized},
	{auth.ErrInsufficientScope, CodeInsufficientScope},
	{auth.ErrSubscriptionInactive, CodeSubscriptionInactive},
	{auth.ErrTermsNotAccepted, CodeLegalReviewRequired},
	{auth.ErrRateLimited, CodeRateLimitExceeded},
	{auth.ErrNotFound, CodeNotFound},
	{auth.ErrInvalid, CodeValidation},
	{auth.ErrKeyRevoked, CodeValidation},
}

// errDatabaseDown reports that the database did not answer.
var errDatabaseDown = errors.New("database unreachable")

// Error is an API error with its code, a message safe to show to the client, and
// optional details. Handlers return it (or a domain error) and the one converter,
// writeError, renders it.
type Error struct {
	Code    Code
	Message string
	Details map[string]any
	cause   error // logged, never shown
}

func (e *Error) Error() string {
	if e.cause != nil {
		return string(e.Code) + ": " + e.Message + ": " + e.cause.Error()
	}
	return string(e.Code) + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// Status is the HTTP status of the error's code.
func (e *Error) Status() int { return errorTable[e.Code].status }

// apiError builds an *Error; an empty message takes the table's.
func apiError(code Code, message string, details map[string]any) *Error {
	if message == "" {
		message = errorTable[code].message
	}
	return &Error{Code: code, Message: message, Details: details}
}

// validationError is the common 400 naming the offending field.
func validationError(field, message string, details map[string]any) *Error {
	if details == nil {
		details = map[string]any{}
	}
	details["field"] = field
	return apiError(CodeValidation, message, details)
}

// toAPIError converts any error to the *Error that is shown, following the
// domainErrors table. Unknown errors become INTERNAL_ERROR with the fixed message;
// the original is kept as the cause for the log.
func toAPIError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	for _, row := range domainErrors {
		if errors.Is(err, row.err) {
			return &Error{Code: row.code, Message: errorTable[row.code].message, cause: err}
		}
	}
	return &Error{Code: CodeInternal, Message: errorTable[CodeInternal].message, cause: err}
}
