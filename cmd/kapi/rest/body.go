package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// bindJSON decodes the request body, one JSON value, into dst. A body over the
// route's size limit, malformed JSON, a value of the wrong shape or trailing data
// is a VALIDATION_ERROR that says what is wrong.
func bindJSON(c *gin.Context, dst any) error {
	dec := json.NewDecoder(c.Request.Body)
	if err := dec.Decode(dst); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return bodyError(err)
		}
		return validationError("body", "request body must hold exactly one JSON value", nil)
	}
	return nil
}

// bodyError explains a failed body read or decode.
func bodyError(err error) *Error {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return validationError("body", fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit),
			map[string]any{"max_bytes": tooLarge.Limit})
	case errors.Is(err, io.EOF):
		return validationError("body", "request body is empty; send JSON", nil)
	case errors.As(err, &syntax):
		return validationError("body", fmt.Sprintf("request body is not valid JSON (at byte %d)", syntax.Offset), nil)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return validationError(field, fmt.Sprintf("%s must be a JSON %s", field, jsonKind(typeErr.Type.Kind().String())), nil)
	default:
		return validationError("body", "request body could not be read as JSON", nil)
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	case "bool":
		return "boolean"
	default:
		return "number"
	}
}
