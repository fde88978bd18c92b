package mcpserver

import (
	"math"
	"time"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// Wire shapes of the tool results, the same fields as REST's DTOs (API.md §5).
// Domain types carry no JSON tags; these do, and an embedding vector has no
// field to land in.

// entryDTO is a knowledge entry; the pointer fields are full-verbosity only.
type entryDTO struct {
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
	RawScore   *float64   `json:"raw_score,omitempty"`
}

// feedRef names a feed that served a result.
type feedRef struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// servedBy says which feed(s) served a result, as REST's context block and feed
// headers do.
type servedBy struct {
	Feeds          []feedRef `json:"feeds" jsonschema:"the feeds that served this result"`
	AutoSelected   bool      `json:"auto_selected" jsonschema:"true when no feed was named and the most-populated subscribed feed was used"`
	FeedsTruncated int       `json:"feeds_truncated,omitempty" jsonschema:"with feed all: subscribed feeds left out past the first 10"`
}

func newServedBy(res feeds.Resolution) servedBy {
	refs := make([]feedRef, len(res.Feeds))
	for i, f := range res.Feeds {
		refs[i] = feedRef{ID: f.ID.String(), Slug: f.Slug, Name: f.Name}
	}
	return servedBy{Feeds: refs, AutoSelected: res.AutoSelected && !res.All, FeedsTruncated: res.Truncated}
}

// feedNames finds a feed's name and slug by id for entries.
type feedNames map[string]feeds.Feed

func namesOf(fs []feeds.Feed) feedNames {
	m := make(feedNames, len(fs))
	for _, f := range fs {
		m[f.ID.String()] = f
	}
	return m
}

func newEntryDTO(e search.Entry, names feedNames, full bool) entryDTO {
	f := names[e.FeedID.String()]
	d := entryDTO{ID: e.ID.String(), ExternalID: e.ExternalID, FeedID: e.FeedID.String(),
		FeedName: f.Name, FeedSlug: f.Slug, Title: e.Title, Category: e.Category,
		Tags: e.Tags, Content: e.Content, Confidence: round(e.Confidence, 4)}
	if d.Tags == nil {
		d.Tags = []string{}
	}
	if e.SourceURL != "" {
		d.SourceURL = &e.SourceURL
	}
	if full {
		created, updated := e.CreatedAt.UTC(), e.UpdatedAt.UTC()
		d.CreatedAt, d.UpdatedAt = &created, &updated
	}
	return d
}

func newHitDTO(h search.Hit, names feedNames, full bool) entryDTO {
	d := newEntryDTO(h.Entry, names, full)
	if full {
		raw := round(h.RawScore, 6)
		d.RawScore = &raw
	}
	return d
}

// feedDTO is a feed of the catalogue with the caller's subscription.
type feedDTO struct {
	ID                 string     `json:"id"`
	Slug               string     `json:"slug"`
	Name               string     `json:"name"`
	Description        string     `json:"description"`
	Categories         []string   `json:"categories"`
	LicensorName       string     `json:"licensor_name"`
	Language           string     `json:"language"`
	Status             string     `json:"status"`
	EntryCount         int64      `json:"entry_count"`
	SubscriptionStatus *string    `json:"subscription_status"`
	SubscribedAt       *time.Time `json:"subscribed_at"`
}

func newFeedDTO(f feeds.Feed, categories []string, sub *feeds.Subscription) feedDTO {
	d := feedDTO{ID: f.ID.String(), Slug: f.Slug, Name: f.Name, Description: f.Description,
		Categories: categories, LicensorName: f.LicensorName, Language: f.Language,
		Status: string(f.Status), EntryCount: f.EntryCount}
	if d.Categories == nil {
		d.Categories = []string{}
	}
	if sub != nil {
		at := sub.SubscribedAt.UTC()
		d.SubscriptionStatus, d.SubscribedAt = &sub.Status, &at
	}
	return d
}

// usageDTO is the usage block (REST's meta and GET /api/v1/usage).
type usageDTO struct {
	QueriesUsed      int64  `json:"queries_used"`
	QueriesLimit     int64  `json:"queries_limit"`
	QueriesRemaining int64  `json:"queries_remaining"`
	PeriodStart      string `json:"period_start"`
	PeriodEnd        string `json:"period_end"`
	Tier             string `json:"tier"`
}

func newUsageDTO(u auth.Usage) usageDTO {
	return usageDTO{QueriesUsed: u.Used, QueriesLimit: u.Limit, QueriesRemaining: u.Remaining(),
		PeriodStart: u.PeriodStart.Format(time.RFC3339), PeriodEnd: u.PeriodEnd.Format(time.RFC3339),
		Tier: string(u.Tier)}
}

func searchFeeds(fs []feeds.Feed) []search.Feed {
	out := make([]search.Feed, len(fs))
	for i, f := range fs {
		out[i] = search.Feed{ID: f.ID, Language: f.Language}
	}
	return out
}

// round keeps scores readable: n decimal places.
func round(x float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(x*p) / p
}
