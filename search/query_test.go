package search

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// TestQueryCheck: each argument out of its limits is a *FieldError naming the
// field with its bounds, or a *RestrictedError; a good query is normalised.
func TestQueryCheck(t *testing.T) {
	t.Parallel()
	nan, two := math.NaN(), 2.0
	tests := []struct {
		name      string
		edit      func(*Query)
		wantField string
		wantBound string // "min..max", "" for none
	}{
		{"blank text", func(q *Query) { q.Text = "  " }, "query", "1..1000"},
		{"long text", func(q *Query) { q.Text = strings.Repeat("é", MaxQueryChars+1) }, "query", "..1000"},
		{"bad mode", func(q *Query) { q.Mode = "fuzzy" }, "mode", ""},
		{"limit 0", func(q *Query) { q.Limit = 0 }, "limit", "1..50"},
		{"limit 51", func(q *Query) { q.Limit = MaxLimit + 1 }, "limit", "1..50"},
		{"negative offset", func(q *Query) { q.Offset = -1 }, "offset", "0..1000"},
		{"deep offset", func(q *Query) { q.Offset = MaxOffset + 1 }, "offset", "0..1000"},
		{"confidence NaN", func(q *Query) { q.ConfidenceMin = nan }, "confidence_min", "0..1"},
		{"bad fusion", func(q *Query) { q.Fusion = "max" }, "fusion", ""},
		{"weight 2", func(q *Query) { q.SemanticWeight = &two }, "semantic_weight", "0..1"},
		{"empty category", func(q *Query) { q.Categories = []string{"sleep", "--"} }, "categories", ""},
		{"too many categories", func(q *Query) { q.Categories = make([]string, MaxCategories+1) }, "categories", "..100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := Query{Text: "x", Limit: 5}
			tt.edit(&q)
			_, err := q.Check()
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalidQuery) || fe.Field != tt.wantField {
				t.Fatalf("got %v, want a FieldError on %s", err, tt.wantField)
			}
			if got := bounds(fe); got != tt.wantBound {
				t.Errorf("bounds: got %q, want %q", got, tt.wantBound)
			}
		})
	}
	q, err := Query{Text: "x", Limit: 5, Categories: []string{"Heart Disease"}, AllowedCategories: []string{"Sleep"}}.Check()
	if err != nil || q.Mode != ModeKeyword || q.Categories[0] != "heart_disease" || q.AllowedCategories[0] != "sleep" {
		t.Errorf("good query: got %+v, %v; want mode keyword, categories normalised", q, err)
	}
}

func bounds(fe *FieldError) string {
	if fe.Min == nil && fe.Max == nil {
		return ""
	}
	s := ".."
	if fe.Min != nil {
		s = fmt.Sprint(*fe.Min) + s
	}
	return s + fmt.Sprint(*fe.Max)
}

func TestListQueryCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		q         ListQuery
		wantField string // "" for no error
	}{
		{"good", ListQuery{Limit: 5, Category: "Sleep"}, ""},
		{"deep offset", ListQuery{Limit: 5, Offset: MaxListOffset + 1}, "offset"},
		{"list offset past search's", ListQuery{Limit: 5, Offset: MaxOffset + 1}, ""},
		{"limit 0", ListQuery{}, "limit"},
		{"confidence", ListQuery{Limit: 5, ConfidenceMin: 1.5}, "confidence_min"},
		{"long text", ListQuery{Limit: 5, Text: strings.Repeat("a", MaxQueryChars+1)}, "query"},
		{"empty category", ListQuery{Limit: 5, Category: "  "}, "category"},
	}
	for _, tt := range tests {
		_, err := tt.q.Check()
		var fe *FieldError
		if got := ""; errors.As(err, &fe) {
			got = fe.Field
			if got != tt.wantField {
				t.Errorf("%s: got field %q, want %q", tt.name, got, tt.wantField)
			}
		} else if err != nil || tt.wantField != "" {
			t.Errorf("%s: got %v, want field %q", tt.name, err, tt.wantField)
		}
	}
	q, err := ListQuery{Limit: 5, Category: "Sleep", AllowedCategories: []string{"Diet"}}.Check()
	if err != nil || q.Category != "sleep" || q.AllowedCategories[0] != "diet" {
		t.Errorf("normalised categories: got %q %q, %v", q.Category, q.AllowedCategories, err)
	}
}

func TestSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 8, 12, 0, 0, 0, time.UTC)
	if got, err := Since(now, DefaultDays); err != nil || !got.Equal(now.AddDate(0, 0, -7)) {
		t.Errorf("7 days: got %v, %v", got, err)
	}
	for _, days := range []int{0, MaxDays + 1} {
		var fe *FieldError
		if _, err := Since(now, days); !errors.As(err, &fe) || fe.Field != "days" {
			t.Errorf("%d days: got %v, want a FieldError on days", days, err)
		}
	}
}
