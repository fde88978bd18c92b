package search

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits on what one entry and one batch may hold.
const (
	MaxBatch         = 500       // entries per ingest call
	maxExternalID    = 256       // characters
	maxTitle         = 1_000     // characters
	maxContent       = 200_000   // characters
	maxTags          = 50        // per entry
	maxTag           = 100       // characters per tag
	maxCategory      = 100       // characters
	maxSourceURL     = 2_048     // characters
	maxMetadataBytes = 64 << 10  // JSON bytes
	defaultCategory  = "general" // when an entry names none
)

// ErrInvalid reports an ingest batch that failed validation; the error is a
// *BatchError naming each problem.
var ErrInvalid = errors.New("invalid entries")

// NewEntry is one entry to ingest, as the client sent it.
type NewEntry struct {
	ExternalID string
	Title      string
	Content    string
	Category   string
	Tags       []string
	Confidence *float64 // nil: 1
	SourceURL  string
	Metadata   json.RawMessage // a JSON object, or empty
}

// Problem is one validation failure: the entry's index in the batch (0-based),
// the field, and what is wrong.
type Problem struct {
	Index   int
	Field   string
	Message string
}

// BatchError lists every problem found in a batch (at most maxProblems).
type BatchError struct{ Problems []Problem }

const maxProblems = 20

func (e *BatchError) Error() string {
	p := e.Problems[0]
	msg := fmt.Sprintf("entry %d: %s: %s", p.Index, p.Field, p.Message)
	if n := len(e.Problems) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more problems)", n)
	}
	return msg
}

func (e *BatchError) Unwrap() error { return ErrInvalid }

// validEntry is a NewEntry after validation and normalisation.
type validEntry struct {
	NewEntry
	confidence float64
	metadata   Metadata
}

// Validate checks a batch exactly as Ingest does, storing nothing: a dry run.
// Errors: a *BatchError (wrapping ErrInvalid) naming every problem.
func Validate(batch []NewEntry) error {
	_, err := validate(batch)
	return err
}

// validate checks and normalises a batch: every problem of every entry is
// reported, up to maxProblems. The batch must not be empty, exceed MaxBatch, or
// name an external_id twice.
func validate(batch []NewEntry) ([]validEntry, error) {
	if len(batch) == 0 {
		return nil, &BatchError{[]Problem{{0, "entries", "the batch is empty"}}}
	}
	if len(batch) > MaxBatch {
		return nil, &BatchError{[]Problem{{MaxBatch, "entries", fmt.Sprintf("a batch holds at most %d entries, got %d", MaxBatch, len(batch))}}}
	}
	var problems []Problem
	seen := make(map[string]int, len(batch))
	out := make([]validEntry, len(batch))
	for i, in := range batch {
		v, ps := validateEntry(i, in)
		if first, dup := seen[v.ExternalID]; dup && v.ExternalID != "" {
			ps = append(ps, Problem{i, "external_id", fmt.Sprintf("%q also appears at entry %d", v.ExternalID, first)})
		}
		seen[v.ExternalID] = i
		problems = append(problems, ps...)
		out[i] = v
	}
	if len(problems) > 0 {
		return nil, &BatchError{problems[:min(len(problems), maxProblems)]}
	}
	return out, nil
}

func validateEntry(i int, in NewEntry) (validEntry, []Problem) {
	var ps []Problem
	bad := func(field, format string, args ...any) {
		ps = append(ps, Problem{i, field, fmt.Sprintf(format, args...)})
	}
	v := validEntry{NewEntry: in, confidence: 1}
	v.ExternalID = strings.TrimSpace(in.ExternalID)
	v.Title = strings.TrimSpace(in.Title)
	v.Content = strings.TrimSpace(in.Content)
	switch n := utf8.RuneCountInString(v.ExternalID); {
	case n == 0:
		bad("external_id", "is required")
	case n > maxExternalID:
		bad("external_id", "is longer than %d characters", maxExternalID)
	}
	if v.Title == "" && v.Content == "" {
		bad("content", "title and content are both empty; an entry needs at least one")
	}
	if utf8.RuneCountInString(v.Title) > maxTitle {
		bad("title", "is longer than %d characters", maxTitle)
	}
	if utf8.RuneCountInString(v.Content) > maxContent {
		bad("content", "is longer than %d characters", maxContent)
	}
	var msg string
	if v.Category, msg = entryCategory(in.Category); msg != "" {
		bad("category", "%s", msg)
	}
	if v.Tags, msg = normaliseTags(in.Tags); msg != "" {
		bad("tags", "%s", msg)
	}
	if in.Confidence != nil {
		if c := *in.Confidence; math.IsNaN(c) || c < 0 || c > 1 {
			bad("confidence", "must be between 0 and 1, got %v", c)
		} else {
			v.confidence = c
		}
	}
	if msg = checkSourceURL(in.SourceURL); msg != "" {
		bad("source_url", "%s", msg)
	}
	if v.metadata, msg = parseMetadata(in.Metadata); msg != "" {
		bad("metadata", "%s", msg)
	}
	return v, append(ps, textProblems(i, in)...)
}

// textProblems are the fields of in that Postgres cannot store: invalid UTF-8
// or a NUL character (SQLSTATE 22021, 22P05 in metadata).
func textProblems(i int, in NewEntry) []Problem {
	var ps []Problem
	fields := []struct{ name, value string }{{"external_id", in.ExternalID}, {"title", in.Title},
		{"content", in.Content}, {"category", in.Category}, {"source_url", in.SourceURL}}
	for _, t := range in.Tags {
		fields = append(fields, struct{ name, value string }{"tags", t})
	}
	for _, f := range fields {
		if p := TextProblem(f.value); p != "" {
			ps = append(ps, Problem{i, f.name, p})
		}
	}
	if !utf8.Valid(in.Metadata) || holdsNUL(in.Metadata) {
		ps = append(ps, Problem{i, "metadata", "must be valid UTF-8 without NUL characters"})
	}
	return ps
}

// TextProblem says why s cannot be stored as text, or "" when it can:
// Postgres stores neither invalid UTF-8 nor NUL characters (SQLSTATE 22021,
// 22P05), so both are refused where the input arrives.
func TextProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "must not contain NUL characters"
	}
	return ""
}

// holdsNUL reports whether the JSON raw decodes to a string (a key or a
// value, at any depth) holding a NUL character, which jsonb refuses.
func holdsNUL(raw json.RawMessage) bool {
	if !bytes.Contains(raw, []byte(`\u0000`)) {
		return false // a NUL can only be written as this escape in valid JSON
	}
	var v any
	return json.Unmarshal(raw, &v) == nil && anyNUL(v)
}

func anyNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case []any:
		return slices.ContainsFunc(v, anyNUL)
	case map[string]any:
		for k, e := range v {
			if strings.IndexByte(k, 0) >= 0 || anyNUL(e) {
				return true
			}
		}
	}
	return false
}

var nonCategory = regexp.MustCompile(`[^a-z0-9]+`)

// NormaliseCategory turns a category name into the stored form: lowercase ASCII
// letters, digits and underscores ("Heart Disease" → "heart_disease"). It
// returns "" for a name with nothing left.
func NormaliseCategory(s string) string {
	return strings.Trim(nonCategory.ReplaceAllString(strings.ToLower(strings.TrimSpace(s)), "_"), "_")
}

// entryCategory is the stored category of an ingested entry: defaultCategory
// when it names none, else the normalised name, which must not be empty or too
// long; the second result says what is wrong.
func entryCategory(s string) (string, string) {
	if strings.TrimSpace(s) == "" {
		return defaultCategory, ""
	}
	c := NormaliseCategory(s)
	switch {
	case c == "":
		return "", "must contain a letter or digit"
	case len(c) > maxCategory:
		return "", fmt.Sprintf("is longer than %d characters", maxCategory)
	}
	return c, ""
}

// normaliseTags trims tags, drops empty ones and duplicates (case-insensitively,
// keeping the first spelling), in order.
func normaliseTags(tags []string) ([]string, string) {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		t = strings.TrimSpace(t)
		key := strings.ToLower(t)
		if t == "" || seen[key] {
			continue
		}
		if utf8.RuneCountInString(t) > maxTag {
			return nil, fmt.Sprintf("a tag is longer than %d characters", maxTag)
		}
		seen[key] = true
		out = append(out, t)
	}
	if len(out) > maxTags {
		return nil, fmt.Sprintf("at most %d tags, got %d", maxTags, len(out))
	}
	return out, ""
}

func checkSourceURL(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > maxSourceURL {
		return fmt.Sprintf("is longer than %d characters", maxSourceURL)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an absolute http or https URL"
	}
	return ""
}
