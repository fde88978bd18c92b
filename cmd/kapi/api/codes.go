package api

import "net/http"

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
	CodePayloadTooLarge       Code = "PAYLOAD_TOO_LARGE"
	CodeUnsupportedMediaType  Code = "UNSUPPORTED_MEDIA_TYPE"
	CodeLegalReviewRequired   Code = "LEGAL_REVIEW_REQUIRED"
	CodeStripeConnectRequired Code = "STRIPE_CONNECT_REQUIRED"
	CodeRateLimitExceeded     Code = "RATE_LIMIT_EXCEEDED"
	CodeInternal              Code = "INTERNAL_ERROR"
	CodeServiceUnavailable    Code = "SERVICE_UNAVAILABLE"
)

// codes is THE table of API error codes: each with its HTTP status and the
// message used when nothing more specific is said.
var codes = map[Code]struct {
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
	CodePayloadTooLarge:       {http.StatusRequestEntityTooLarge, "The request body is too large."},
	CodeUnsupportedMediaType:  {http.StatusUnsupportedMediaType, "The request body's Content-Type is not one this endpoint takes."},
	CodeLegalReviewRequired:   {http.StatusPreconditionFailed, "The account must accept the updated terms."},
	CodeStripeConnectRequired: {http.StatusPreconditionFailed, "Paid feeds need payouts set up for the account."},
	CodeRateLimitExceeded:     {http.StatusTooManyRequests, "Rate limit exceeded."},
	CodeInternal:              {http.StatusInternalServerError, "An internal error occurred."},
	CodeServiceUnavailable:    {http.StatusServiceUnavailable, "A service kapi depends on is unavailable; try again shortly."},
}

// Status is the HTTP status of the code (500 for a code not in the table).
func (c Code) Status() int {
	if row, ok := codes[c]; ok {
		return row.status
	}
	return http.StatusInternalServerError
}

// Message is the code's default message.
func (c Code) Message() string { return codes[c].message }

// Codes lists every code of the table, for tests and documentation.
func Codes() []Code {
	out := make([]Code, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	return out
}
