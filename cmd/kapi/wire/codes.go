// Package wire holds what kapi's two client surfaces, REST (cmd/kapi/rest) and
// MCP (cmd/kapi/mcpserver), say in common: the API error codes with THE table
// of their HTTP statuses and default messages, the mapping from the domain
// packages' sentinel errors to codes, and the JSON shapes of entries, feeds and
// usage. Keeping them here is what makes a tool error and a REST error for the
// same failure carry the same code and words.
//
// It imports the domain packages (auth, feeds, search, embed) and no framework:
// neither gin nor the MCP SDK.
package wire

import (
	"errors"
	"net/http"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
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

// table is THE table of API errors: every code with its HTTP status and the
// message used when nothing more specific is said. Tests walk every row.
var table = map[Code]struct {
	status  int
	message string
}{
	CodeValidation:            {http.StatusBadRequest, "The request is not valid."},
	CodeInvalidFeed:           {http.StatusBadRequest, "The feed selection is not valid; list the feeds you can use first."},
	CodeUnauthorized:          {http.StatusUnauthorized, "Invalid or missing API key."},
	CodeInsufficientScope:     {http.StatusForbidden, "The API key lacks the scope this operation needs."},
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

// Status is the HTTP status of the code (500 for a code not in the table).
func (c Code) Status() int {
	if row, ok := table[c]; ok {
		return row.status
	}
	return http.StatusInternalServerError
}

// Message is the code's default message.
func (c Code) Message() string { return table[c].message }

// Codes lists every code of the table, for tests and documentation.
func Codes() []Code {
	out := make([]Code, 0, len(table))
	for c := range table {
		out = append(out, c)
	}
	return out
}

// domainErrors maps the domain packages' sentinel errors to codes. An error that
// matches no row is INTERNAL_ERROR.
var domainErrors = []struct {
	err  error
	code Code
}{
	{embed.ErrUnavailable, CodeServiceUnavailable},
	{embed.ErrRejected, CodeValidation},
	{search.ErrInvalidQuery, CodeValidation},
	{search.ErrInvalid, CodeValidation},
	{search.ErrMalformed, CodeValidation},
	{search.ErrNotFound, CodeNotFound},
	{feeds.ErrInvalidSelection, CodeInvalidFeed},
	{feeds.ErrNotFound, CodeNotFound},
	{feeds.ErrNotSubscribed, CodeFeedNotSubscribed},
	{feeds.ErrUnavailable, CodeFeedUnavailable},
	{feeds.ErrInvalid, CodeValidation},
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

// CodeOf is the code of a domain error, following the sentinel it wraps; ok is
// false (and the code INTERNAL_ERROR) when it wraps none of them.
func CodeOf(err error) (code Code, ok bool) {
	for _, row := range domainErrors {
		if errors.Is(err, row.err) {
			return row.code, true
		}
	}
	return CodeInternal, false
}

// DomainErrors lists the sentinel rows (error, code), for tests.
func DomainErrors() map[error]Code {
	out := make(map[error]Code, len(domainErrors))
	for _, row := range domainErrors {
		out[row.err] = row.code
	}
	return out
}
