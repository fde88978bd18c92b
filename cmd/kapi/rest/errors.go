package rest

import (
	"errors"

	"github.com/kapi-project/kapi/cmd/kapi/wire"
)

// errDatabaseDown reports that the database did not answer.
var errDatabaseDown = errors.New("database unreachable")

// Error is an API error with its code, a message safe to show to the client, and
// optional details. Handlers return it (or a domain error) and the one converter,
// writeError, renders it.
type Error struct {
	Code    wire.Code
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
func (e *Error) Status() int { return e.Code.Status() }

// apiError builds an *Error; an empty message takes the table's.
func apiError(code wire.Code, message string, details map[string]any) *Error {
	if message == "" {
		message = code.Message()
	}
	return &Error{Code: code, Message: message, Details: details}
}

// validationError is the common 400 naming the offending field.
func validationError(field, message string, details map[string]any) *Error {
	if details == nil {
		details = map[string]any{}
	}
	details["field"] = field
	return apiError(wire.CodeValidation, message, details)
}

// toAPIError converts any error to the *Error that is shown, following wire's
// mapping of domain errors. Unknown errors become INTERNAL_ERROR with the fixed message;
// the original is kept as the cause for the log.
func toAPIError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, errDatabaseDown) {
		return &Error{Code: wire.CodeServiceUnavailable, Message: wire.CodeServiceUnavailable.Message(), cause: err}
	}
	code, _ := wire.CodeOf(err) // INTERNAL_ERROR when no sentinel matches
	return &Error{Code: code, Message: code.Message(), cause: err}
}
