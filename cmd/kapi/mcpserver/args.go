package mcpserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
)

// Agents often send a number as a string ("5") or a list as one comma-separated
// string ("sleep,diet"). The argument types below accept both shapes, and their
// input schemas say so (a type array), so schema validation lets them through.
// Values stay strict: a string that is no number, or a number out of range, is
// a VALIDATION_ERROR from the tool.

// errNotNumber is what flexInt and flexFloat report for an unusable value.
var errNotNumber = errors.New("not a number")

// flexInt is an optional whole number sent as a JSON number or a numeric string.
// Set reports whether the argument was sent at all.
type flexInt struct {
	Value int
	Set   bool
	bad   bool // sent, but not a whole number
}

// UnmarshalJSON accepts 5, 5.0 and "5"; anything else marks the value bad so the
// tool can name the field (decoding never fails on a value).
func (n *flexInt) UnmarshalJSON(b []byte) error {
	f, err := parseNumber(b)
	*n = flexInt{Set: true}
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		n.bad = true
		return nil
	}
	n.Value = int(f)
	return nil
}

// flexFloat is an optional number sent as a JSON number or a numeric string.
type flexFloat struct {
	Value float64
	Set   bool
	bad   bool
}

// UnmarshalJSON accepts 0.5 and "0.5".
func (n *flexFloat) UnmarshalJSON(b []byte) error {
	f, err := parseNumber(b)
	*n = flexFloat{Set: true, Value: f, bad: err != nil}
	return nil
}

// parseNumber reads a JSON number or a string holding one; null is not a number.
func parseNumber(b []byte) (float64, error) {
	b = bytes.TrimSpace(b)
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
	} else {
		s = string(b)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errNotNumber
	}
	return f, nil
}

// flexList is a list of strings sent as a JSON array or one comma-separated
// string. Empty items are dropped.
type flexList []string

// UnmarshalJSON accepts ["a","b"] and "a,b".
func (l *flexList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var items []string
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		items = strings.Split(s, ",")
	} else if err := json.Unmarshal(b, &items); err != nil {
		return err
	}
	out := make(flexList, 0, len(items))
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	*l = out
	return nil
}

// flexSchemas are the input schemas of the lenient types: each allows both of
// the shapes its type decodes.
func flexSchemas() map[reflect.Type]*jsonschema.Schema {
	return map[reflect.Type]*jsonschema.Schema{
		reflect.TypeFor[flexInt]():   {Types: []string{"integer", "string"}},
		reflect.TypeFor[flexFloat](): {Types: []string{"number", "string"}},
		reflect.TypeFor[flexList](): {Types: []string{"array", "string"},
			Items: &jsonschema.Schema{Type: "string"}},
	}
}
