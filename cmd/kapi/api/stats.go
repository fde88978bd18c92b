package api

import (
	"context"
	"time"
)

// Stats are the totals of the published catalogue.
type Stats struct {
	TotalEntries    int64      `json:"total_entries"`
	TotalFeeds      int64      `json:"total_feeds"`
	TotalCategories int64      `json:"total_categories"`
	LastUpdated     *time.Time `json:"last_updated"`
}

// Stats counts the published feeds, their entries and categories. Errors:
// database errors.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	t, err := s.catalog.Totals(ctx)
	if err != nil {
		return Stats{}, err
	}
	cats, err := s.engine.DistinctCategories(ctx, t.FeedIDs)
	if err != nil {
		return Stats{}, err
	}
	return Stats{TotalEntries: t.Entries, TotalFeeds: t.Feeds, TotalCategories: cats, LastUpdated: t.LastUpdated}, nil
}
