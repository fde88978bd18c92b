package api

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecodeJSON: any bytes decode into the search arguments or fail with a
// VALIDATION_ERROR, never anything else; what decodes holds only text
// Postgres can store.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"query":"sleep","limit":5}`, `{"query":"\u0000"}`, "{\"query\":\"\xff\"}",
		`{"query":"a"} trailing`, `{"categories":["a","b\u0000"]}`, `{"limit":-1e308}`, `[1,2]`, ``, `{"query":`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var args SearchArgs
		err := DecodeJSON(bytes.NewReader(body), &args)
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Code != CodeValidation) {
			t.Fatalf("DecodeJSON(%q): %v, want a VALIDATION_ERROR", body, err)
		}
		if err == nil {
			if cerr := checkDecoded(reflect.ValueOf(args), ""); cerr != nil {
				t.Errorf("DecodeJSON(%q) accepted %v", body, cerr)
			}
		}
	})
}
