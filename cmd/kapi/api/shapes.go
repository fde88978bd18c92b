package api

import (
	"math"
	"strconv"
	"time"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// The JSON shapes both surfaces send. Domain types carry no JSON tags; these
// do, and an embedding vector has no field to land in.

// Entry is a knowledge entry (API.md §5). The pointer fields are full-only.
type Entry struct {
	ID         string     `json:"id"`
	ExternalID string     `json:"external_id"`
	FeedID     string     `json:"feed_id"`
	FeedName   string     `json:"feed_name"`
	FeedSlug   string     `json:"feed_slug"`
	Title      string     `json:"title"`
	Category   string     `json:"category"`
	Tags       []string   `json:"tags"`
	Content    string     `json:"content"`
	Confidence float64    `json:"confidence"`
	SourceURL  *string    `json:"source_url"`
	CreatedAt  *time.Time `json:"created_at,omitempty"`
	UpdatedAt  *time.Time `json:"updated_at,omitempty"`
	Metadata   *Metadata  `json:"metadata,omitempty"`
	RawScore   *float64   `json:"raw_score,omitempty"`
	Scores     *Scores    `json:"scores,omitempty"`
	Highlight  *Highlight `json:"highlight,omitempty"`
}

// Metadata is an entry's metadata object as it was ingested (numbers exact).
type Metadata = search.Metadata

// Highlight is the passage of a search hit that best matches the query: HTML
// text (escaped, matched terms in <mark>) and its code-point offsets into
// content.
type Highlight struct {
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Scores explains a search hit: each leg's rank and score, and the fused score.
type Scores struct {
	Keyword  *Leg     `json:"keyword"`
	Semantic *Leg     `json:"semantic"`
	Fused    *float64 `json:"fused,omitempty"`
}

// Leg is a hit's place in one leg of a search.
type Leg struct {
	Rank  int     `json:"rank"`
	Score float64 `json:"score"`
}

// feedNames finds a feed's name and slug by id for entries.
type feedNames map[string]feeds.Feed

// namesOf indexes feeds by id.
func namesOf(fs []feeds.Feed) feedNames {
	m := make(feedNames, len(fs))
	for _, f := range fs {
		m[f.ID.String()] = f
	}
	return m
}

// newEntry renders an entry; full adds the timestamps.
func newEntry(e search.Entry, names feedNames, full bool) Entry {
	f := names[e.FeedID.String()]
	d := Entry{
		ID: e.ID.String(), ExternalID: e.ExternalID, FeedID: e.FeedID.String(),
		FeedName: f.Name, FeedSlug: f.Slug, Title: e.Title, Category: e.Category,
		Tags: e.Tags, Content: e.Content, Confidence: round(e.Confidence, 4),
	}
	if d.Tags == nil {
		d.Tags = []string{}
	}
	if e.SourceURL != "" {
		d.SourceURL = &e.SourceURL
	}
	if full {
		created, updated := e.CreatedAt.UTC(), e.UpdatedAt.UTC()
		d.CreatedAt, d.UpdatedAt = &created, &updated
		d.Metadata = metadataOf(e.Metadata)
	}
	return d
}

// metadataOf is an entry's metadata, {} when it has none.
func metadataOf(m search.Metadata) *Metadata {
	if m == nil {
		m = search.Metadata{}
	}
	return &m
}

// newHit renders a search hit; full adds raw_score, the per-leg scores and
// the highlight.
func newHit(h search.Hit, names feedNames, full bool) Entry {
	d := newEntry(h.Entry, names, full)
	if !full {
		return d
	}
	raw := round(h.RawScore, 6)
	d.RawScore = &raw
	d.Scores = &Scores{Keyword: legOf(h.Keyword), Semantic: legOf(h.Semantic)}
	if h.Highlight != nil {
		d.Highlight = &Highlight{Text: h.Highlight.Text, Start: h.Highlight.Start, End: h.Highlight.End}
	}
	if h.Fused > 0 { // hybrid
		fused := round(h.Fused, 6)
		d.Scores.Fused = &fused
	}
	return d
}

func legOf(l *search.LegScore) *Leg {
	if l == nil {
		return nil
	}
	return &Leg{Rank: l.Rank, Score: round(l.Score, 6)}
}

// Feed is a feed of the catalogue with the caller's subscription.
type Feed struct {
	ID                 string     `json:"id"`
	Slug               string     `json:"slug"`
	Name               string     `json:"name"`
	Description        string     `json:"description"`
	Categories         []string   `json:"categories"`
	LicensorName       string     `json:"licensor_name"`
	Language           string     `json:"language"`
	Status             string     `json:"status"`
	Visibility         string     `json:"visibility"` // public | private
	EntryCount         int64      `json:"entry_count"`
	SubscriptionStatus *string    `json:"subscription_status"`
	SubscribedAt       *time.Time `json:"subscribed_at"`
}

// newFeed renders a feed with its categories and the caller's subscription.
func newFeed(f feeds.Feed, categories []string, sub *feeds.Subscription) Feed {
	d := Feed{ID: f.ID.String(), Slug: f.Slug, Name: f.Name, Description: f.Description,
		Categories: categories, LicensorName: f.LicensorName, Language: f.Language,
		Status: string(f.Status), Visibility: string(f.Visibility), EntryCount: f.EntryCount}
	if d.Categories == nil {
		d.Categories = []string{}
	}
	if sub != nil {
		at := sub.SubscribedAt.UTC()
		d.SubscriptionStatus, d.SubscribedAt = &sub.Status, &at
	}
	return d
}

// FeedRef names a feed that served a request.
type FeedRef struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// feedRefs names feeds.
func feedRefs(fs []feeds.Feed) []FeedRef {
	out := make([]FeedRef, len(fs))
	for i, f := range fs {
		out[i] = FeedRef{ID: f.ID.String(), Slug: f.Slug, Name: f.Name}
	}
	return out
}

// Usage is the usage block: REST's meta and GET /api/v1/usage, MCP's get_usage.
type Usage struct {
	QueriesUsed      int64  `json:"queries_used"`
	QueriesLimit     int64  `json:"queries_limit"`
	QueriesRemaining int64  `json:"queries_remaining"`
	PeriodStart      string `json:"period_start"`
	PeriodEnd        string `json:"period_end"`
	Tier             string `json:"tier"`
}

// NewUsage renders a usage block.
func NewUsage(u auth.Usage) Usage {
	return Usage{QueriesUsed: u.Used, QueriesLimit: u.Limit, QueriesRemaining: u.Remaining(),
		PeriodStart: u.PeriodStart.UTC().Format(time.RFC3339), PeriodEnd: u.PeriodEnd.UTC().Format(time.RFC3339),
		Tier: string(u.Tier)}
}

// Category is a category of a feed with its number of entries.
type Category struct {
	Category    string `json:"category"`
	Count       int64  `json:"count"`
	Description string `json:"description"`
}

// Rate is the state of the per-minute limit: REST's X-RateLimit-* headers,
// MCP's meta.rate_limit.
type Rate struct {
	Limit     int   `json:"limit"`
	Remaining int   `json:"remaining"`
	Reset     int64 `json:"reset"` // unix seconds, rounded up: when the allowance is full again
}

// NewRate renders the per-minute limit state.
func NewRate(r auth.RateResult) Rate {
	reset := r.Reset.Unix()
	if r.Reset.Nanosecond() > 0 {
		reset++
	}
	return Rate{Limit: r.Limit, Remaining: r.Remaining, Reset: reset}
}

// Headers are the rate state as HTTP header values: limit, remaining, reset.
func (r Rate) Headers() (limit, remaining, reset string) {
	return strconv.Itoa(r.Limit), strconv.Itoa(r.Remaining), strconv.FormatInt(r.Reset, 10)
}

// round keeps scores readable: n decimal places.
func round(x float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(x*p) / p
}
