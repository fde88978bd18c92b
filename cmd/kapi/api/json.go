package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
)

// DecodeJSON decodes r, one JSON value, into dst: a REST request body or an
// MCP tool's arguments. Unknown fields are ignored. A body over its size limit,
// malformed JSON, a value of the wrong shape or trailing data is a
// VALIDATION_ERROR that says what is wrong, on the field "body" (the whole
// input) or the field of the wrong type; so is a string holding a NUL
// character or invalid UTF-8 (search.TextProblem), naming its field.
func DecodeJSON(r io.Reader, dst any) error {
	dec := json.NewDecoder(r)
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err)
		}
		return Invalid("body", "must hold exactly one JSON value", nil)
	}
	return checkDecoded(reflect.ValueOf(dst), "")
}

// decodeError explains a failed read or decode.
func decodeError(err error) *Error {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return TooLarge(tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return Invalid("body", "must not be empty; send JSON", nil)
	case errors.As(err, &syntax):
		return Invalid("body", fmt.Sprintf("must be valid JSON (at byte %d)", syntax.Offset), nil)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return Invalid(field, "must be a JSON "+jsonKind(typeErr.Type.Kind().String()), nil)
	default:
		return Invalid("body", "must be readable JSON", nil)
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
