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

	"github.com/kapi-project/kapi/cmd/kapi/api"
)

// Agents often send a number as a string ("5") or a list as one comma-separated
// string ("sleep,diet"). The argument types below accept both shapes, and their
// input schemas say so (a type array). Values stay strict: a string that is no
// number is bad, and the request layer says so with the field's bounds, as it
// does for a number out of range.

// errNotNumber is what parseNumber reports for an unusable value.
var errNotNumber = errors.New("not a number")

// flexInt is an optional whole number sent as a JSON number or a numeric string.
type flexInt api.Int

// UnmarshalJSON accepts 5, 5.0 and "5"; anything else marks the value bad so
// the field is named (decoding never fails on a value).
func (n *flexInt) UnmarshalJSON(b []byte) error {
	f, err := parseNumber(b)
	*n = flexInt{Set: true}
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		n.Bad = true
		return nil
	}
	n.Value = int(f)
	return nil
}

// flexFloat is an optional number sent as a JSON number or a numeric string.
type flexFloat api.Float

// UnmarshalJSON accepts 0.5 and "0.5".
func (n *flexFloat) UnmarshalJSON(b []byte) error {
	f, err := parseNumber(b)
	*n = flexFloat{Set: true, Value: f, Bad: err != nil}
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
	var s string
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '"' {
		err := json.Unmarshal(b, &s)
		*l = api.SplitList(s)
		return err
	}
	var items []string
	if err := json.Unmarshal(b, &items); err != nil {
		return err
	}
	*l = flexList{}
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			*l = append(*l, it)
		}
	}
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
