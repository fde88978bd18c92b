package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/embed"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// ErrUnavailable reports that the database did not answer (refused, reset,
// shut down, out of connections or of time); it is SERVICE_UNAVAILABLE
// naming the database, with Retry-After.
var ErrUnavailable = errors.New("service unavailable")

// DefaultTermsURL is where an account accepts the current terms
// (details.accept_url of LEGAL_REVIEW_REQUIRED), unless Deps.TermsURL says
// otherwise.
const DefaultTermsURL = "/signup/legal"

// describing is what a row's description may use besides the error.
type describing struct {
	on       Surface
	termsURL string
}

// row describes the errors that match one sentinel (errors.Is), typed errors
// included: each typed error of the domain packages wraps or matches exactly
// one sentinel.
type row struct {
	err      error
	code     Code
	describe func(err error, code Code, d describing) *Error
}

// rows is the one description of every domain error: every sentinel of auth,
// feeds, search and embed that reaches a request, and this package's own.
// Describe takes the first row that matches.
var rows = []row{
	{embed.ErrUnavailable, CodeServiceUnavailable, dependency(depEmbedder,
		"The embedding provider is unavailable; retry shortly, or search in keyword mode.", retryEmbedder)},
	{embed.ErrRejected, CodeValidation, plain},
	{ErrUnavailable, CodeServiceUnavailable, dependency(depDatabase, "The database is unavailable; retry shortly.", retryDatabase)},
	{errOutOfTime, CodeServiceUnavailable, outOfTime},

	{search.ErrInvalidQuery, CodeValidation, searchField},
	{search.ErrInvalid, CodeValidation, batchProblems},
	{search.ErrMalformed, CodeValidation, unreadable},
	{search.ErrNotFound, CodeNotFound, worded("No such entry in this feed.")},

	{feeds.ErrInvalidSelection, CodeInvalidFeed, selection},
	{feeds.ErrNotFound, CodeNotFound, selection},
	{feeds.ErrNotSubscribed, CodeFeedNotSubscribed, selection},
	{feeds.ErrUnavailable, CodeFeedUnavailable, selection},
	{feeds.ErrInvalid, CodeValidation, feedField},
	{feeds.ErrNoAccount, CodeNotFound, worded("No such account.")},
	{feeds.ErrDuplicate, CodeValidation, func(error, Code, describing) *Error { return Invalid("slug", "is taken", nil) }},

	{auth.ErrUnauthorized, CodeUnauthorized, plain},
	{auth.ErrMalformedKey, CodeUnauthorized, worded("Malformed API key: expected " + auth.KeyShape + ".")},
	{auth.ErrInsufficientScope, CodeInsufficientScope, missingScope},
	{auth.ErrSubscriptionInactive, CodeSubscriptionInactive, plain},
	{auth.ErrTermsNotAccepted, CodeLegalReviewRequired, termsNotAccepted},
	{auth.ErrRateLimited, CodeRateLimitExceeded, limited},
	{auth.ErrCategoryRestricted, CodeCategoryRestricted, restricted},
	{auth.ErrNotFound, CodeNotFound, worded("No such key.")},
	{auth.ErrKeyRevoked, CodeValidation, func(error, Code, describing) *Error {
		return Invalid("id", "names a revoked key; create a new key instead", nil)
	}},
	{auth.ErrInvalid, CodeValidation, keyField},
}

// outOfTime: a dependency too slow for the request's deadline.
func outOfTime(err error, code Code, _ describing) *Error {
	return &Error{Code: code, Message: "The request did not finish in time; retry shortly.", RetryAfter: retryTime, cause: err}
}

// plain is the code with its default message; the error is the cause.
func plain(err error, code Code, _ describing) *Error {
	return &Error{Code: code, Message: code.Message(), cause: err}
}

// worded is the code with a fixed message.
func worded(message string) func(error, Code, describing) *Error {
	return func(err error, code Code, _ describing) *Error {
		return &Error{Code: code, Message: message, cause: err}
	}
}

func searchField(err error, code Code, d describing) *Error {
	var fe *search.FieldError
	if !errors.As(err, &fe) {
		return plain(err, code, d)
	}
	return Invalid(fe.Field, fe.Problem, bounds(fe.Min, fe.Max, fe.Allowed))
}

func feedField(err error, code Code, d describing) *Error {
	var fe *feeds.FieldError
	if !errors.As(err, &fe) {
		return plain(err, code, d)
	}
	return Invalid(fe.Field, fe.Problem, bounds(fe.Min, fe.Max, nil))
}

func keyField(err error, code Code, d describing) *Error {
	var fe *auth.FieldError
	if !errors.As(err, &fe) {
		return plain(err, code, d)
	}
	return Invalid(fe.Field, fe.Problem, bounds(nil, nil, fe.Allowed))
}

// bounds are the details of a field error's bounds; nil when it has none.
func bounds(lo, hi *float64, allowed []string) map[string]any {
	d := map[string]any{}
	if lo != nil {
		d["min"] = *lo
	}
	if hi != nil {
		d["max"] = *hi
	}
	if allowed != nil {
		d["allowed"] = allowed
	}
	if len(d) == 0 {
		return nil
	}
	return d
}

// batchProblems lists every problem of an ingest batch; the first one names
// the field.
func batchProblems(err error, code Code, d describing) *Error {
	var be *search.BatchError
	if !errors.As(err, &be) {
		return plain(err, code, d)
	}
	problems := make([]map[string]any, len(be.Problems))
	for i, p := range be.Problems {
		problems[i] = map[string]any{"index": p.Index, "field": p.Field, "message": p.Message}
	}
	first := be.Problems[0]
	e := Invalid(first.Field, "", map[string]any{"problems": problems})
	e.Message = fmt.Sprintf("entry %d: %s: %s; nothing was stored", first.Index, first.Field, first.Message)
	return e
}

// unreadable is an entry batch that could not be read.
func unreadable(err error, code Code, d describing) *Error {
	var re *search.ReadError
	if !errors.As(err, &re) {
		return plain(err, code, d)
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return TooLarge(tooLarge.Limit)
	}
	e := Invalid("body", "", map[string]any{"line": re.Line})
	e.Message = re.Error()
	return e
}

// selection keeps the feeds package's words for a failed feed selection and
// says where to list the feeds.
func selection(err error, code Code, d describing) *Error {
	e := plain(err, code, d)
	var se *feeds.SelectionError
	if errors.As(err, &se) && code != CodeNotFound {
		e.Message = se.Message
	}
	switch code {
	case CodeNotFound:
		e.Message = "No such feed."
	case CodeInvalidFeed:
		e.field = "feed"
	}
	if code != CodeFeedUnavailable {
		e.Details = map[string]any{"list_feeds": d.on.ListFeeds}
	}
	return e
}

func missingScope(err error, code Code, d describing) *Error {
	var se *auth.ScopeError
	if !errors.As(err, &se) {
		return plain(err, code, d)
	}
	return &Error{Code: code, Message: fmt.Sprintf("The API key lacks the %s scope this %s needs.", se.Required, d.on.Operation),
		Details: map[string]any{"required_scope": se.Required}}
}

func termsNotAccepted(err error, code Code, d describing) *Error {
	e := plain(err, code, d)
	e.Details = map[string]any{"accept_url": d.termsURL}
	return e
}

// limited says which limit was hit and when to retry.
func limited(err error, code Code, d describing) *Error {
	var le *auth.LimitError
	if !errors.As(err, &le) {
		return plain(err, code, d)
	}
	e := &Error{Code: code, RetryAfter: retryAfterSeconds(le.RetryAfter),
		Message: "Per-minute rate limit exceeded; retry after " + d.on.RetryHint + "."}
	if le.Kind == auth.LimitMonth {
		e.Message = "Monthly quota exhausted; it resets at the start of next month (UTC)."
	}
	e.Details = map[string]any{"limit": string(le.Kind), "retry_after_seconds": e.RetryAfter}
	return e
}

// retryAfterSeconds is whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) int64 {
	return max(int64(math.Ceil(d.Seconds())), 1)
}

func restricted(err error, code Code, d describing) *Error {
	var ce *auth.CategoryError
	if !errors.As(err, &ce) {
		return plain(err, code, d)
	}
	return &Error{Code: code, Message: fmt.Sprintf("This API key may not read category %q.", ce.Category),
		Details: map[string]any{"category": ce.Category, "allowed_categories": ce.Allowed}}
}
