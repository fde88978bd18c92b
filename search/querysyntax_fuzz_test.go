package search

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// querySeeds are questions with every operator, broken ones included.
var querySeeds = []string{"sleep", `"heart attack" OR stroke`, "-coffee sleep", `"unclosed phrase`, "OR OR OR",
	"sleep & | ! <-> :* ( )", "a:* !b", "--x", `""`, "-", "\x00", "\xff\xfe", "🙂 OR -🙂", strings.Repeat("(", 300)}

// FuzzParseQuery: any text parses without panicking into a ranked text and
// a filter that are valid UTF-8 when the text is, with every phrase of the
// filter closed (an even number of quotes), so websearch_to_tsquery never
// reads an operator kapi did not write.
func FuzzParseQuery(f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		pq := parseQuery(text)
		if utf8.ValidString(text) && (!utf8.ValidString(pq.ranked) || !utf8.ValidString(pq.filter)) {
			t.Errorf("parseQuery(%q) = %q, %q: not valid UTF-8", text, pq.ranked, pq.filter)
		}
		if strings.Count(pq.filter, `"`)%2 != 0 {
			t.Errorf("parseQuery(%q).filter = %q: an unclosed phrase", text, pq.filter)
		}
		if pq.required && pq.filter == "" {
			t.Errorf("parseQuery(%q): required without a filter", text)
		}
	})
}

// FuzzQueryCheck: Check refuses any text Postgres could not store (NUL,
// invalid UTF-8) and fails only with a *FieldError, whatever the numbers.
func FuzzQueryCheck(f *testing.F) {
	for i, s := range querySeeds {
		f.Add(s, i-3, i*100-500, float64(i)/4-1)
	}
	f.Fuzz(func(t *testing.T, text string, limit, offset int, weight float64) {
		q, err := Query{Text: text, Limit: limit, Offset: offset, SemanticWeight: &weight, ConfidenceMin: weight}.Check()
		var fe *FieldError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("Check(%q, %d, %d, %v): %v, want a *FieldError", text, limit, offset, weight, err)
		}
		if err == nil && TextProblem(q.Text) != "" {
			t.Errorf("Check(%q) accepted text Postgres cannot store", text)
		}
	})
}
