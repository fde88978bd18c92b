package api

import (
	"errors"
	"fmt"
	"maps"
)

// Error is an API error as a client sees it: the code, a message safe to
// show, and optional details. Describe makes one from any error; the request
// layer and the surfaces also build them for what no domain package says
// (an unknown route, a feed of another account). A surface renders it: REST
// as the error envelope, MCP as a tool error.
type Error struct {
	Code    Code
	Message string
	Details map[string]any
	// RetryAfter is how long to wait, in whole seconds, before a retry
	// (RATE_LIMIT_EXCEEDED, SERVICE_UNAVAILABLE); REST sends it as
	// Retry-After.
	RetryAfter int64

	field   string // a field error's field, by its domain name; Describe renames it
	problem string // what is wrong with field, read after its name
	cause   error  // logged, never shown
}

// Error says the code and message, and the internal cause when there is one.
func (e *Error) Error() string {
	if e.cause != nil {
		return string(e.Code) + ": " + e.Message + ": " + e.cause.Error()
	}
	return string(e.Code) + ": " + e.Message
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.cause }

// Cause is the internal error behind e, for the log; nil when there is none.
func (e *Error) Cause() error { return e.cause }

// NewError builds an *Error; an empty message takes the code's default.
func NewError(code Code, message string, details map[string]any) *Error {
	if message == "" {
		message = code.Message()
	}
	return &Error{Code: code, Message: message, Details: details}
}

// Unavailable is SERVICE_UNAVAILABLE caused by err (logged, never shown),
// with the database's Retry-After.
func Unavailable(message string, details map[string]any, err error) *Error {
	e := NewError(CodeServiceUnavailable, message, details)
	e.cause, e.RetryAfter = err, retryDatabase
	return e
}

// Invalid is the VALIDATION_ERROR of a field: problem reads after the field's
// name ("limit", "must be ..."); Describe words the message again in the
// surface's name of the field.
func Invalid(field, problem string, details map[string]any) *Error {
	return &Error{Code: CodeValidation, Message: field + " " + problem, Details: details, field: field, problem: problem}
}

// TooLarge is a request body over its size limit of max bytes: 413
// PAYLOAD_TOO_LARGE on the field "body", details.max_bytes the limit.
func TooLarge(max int64) *Error {
	e := Invalid("body", fmt.Sprintf("must be at most %d bytes", max), map[string]any{"max_bytes": max})
	e.Code = CodePayloadTooLarge
	return e
}

// Surface is what a surface says its own way when it describes an error: the
// one part of an error that differs between REST and MCP.
type Surface struct {
	Operation string // what needs a key's scope: "endpoint", "tool"
	ListFeeds string // how to list the feeds: "GET /api/v1/feeds"
	RetryHint string // where the retry delay is: "the Retry-After delay"
	// Params names the surface's parameters where they differ from the
	// domain's field names ("query": "q").
	Params map[string]string
}

// param is the surface's name of a domain field.
func (on Surface) param(field string) string {
	if p, ok := on.Params[field]; ok {
		return p
	}
	return field
}

// local renames e's field for the surface: details.field and, for a field
// error, the message.
func (on Surface) local(e *Error) *Error {
	if e.field == "" {
		return e
	}
	out := *e
	name := on.param(e.field)
	out.Details = maps.Clone(e.Details)
	if out.Details == nil {
		out.Details = map[string]any{}
	}
	out.Details["field"] = name
	if e.problem != "" {
		out.Message = name + " " + e.problem
	}
	return &out
}

// Describe is the one description of any error, for a surface: an *Error
// as it is (its field renamed), a domain sentinel or typed error by its row
// of rows, a failed dependency (database, embedder, a step out of time) as
// SERVICE_UNAVAILABLE naming it, anything else INTERNAL_ERROR with the fixed message (the error
// kept as the cause, for the log).
func (s *Service) Describe(err error, on Surface) *Error {
	var e *Error
	if errors.As(err, &e) {
		return on.local(e)
	}
	err = dependencyFailure(err)
	for _, r := range rows {
		if errors.Is(err, r.err) {
			e := r.describe(err, r.code, describing{on: on, termsURL: s.termsURL})
			e.cause = err
			return on.local(e)
		}
	}
	return &Error{Code: CodeInternal, Message: CodeInternal.Message(), cause: err}
}
