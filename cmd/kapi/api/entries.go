package api

import (
	"context"
	"errors"
	"io"

	"github.com/kapi-project/kapi/auth"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

// Ingested is the outcome of an ingest: per entry its id and whether it was
// created, updated or unchanged, with the counts.
type Ingested struct {
	Created   int             `json:"created"`
	Updated   int             `json:"updated"`
	Unchanged int             `json:"unchanged"`
	Entries   []IngestedEntry `json:"entries"`
}

// IngestedEntry is one entry of an ingest.
type IngestedEntry struct {
	ID         string `json:"id"`
	ExternalID string `json:"external_id"`
	Status     string `json:"status"` // created | updated | unchanged
}

// Ingest stores a JSON array or NDJSON body of at most search.MaxBatch
// entries into feed ref, which p's account must own: all or nothing.
// Errors: NOT_FOUND for a feed the account does not own; a *search.ReadError
// for a body that is not entries; a *search.BatchError naming every bad entry.
func (s *Service) Ingest(ctx context.Context, p auth.Principal, ref string, body io.Reader) (Ingested, Served, error) {
	f, err := s.ownedFeed(ctx, p, ref)
	if err != nil {
		return Ingested{}, Served{}, err
	}
	r, err := search.NewEntryReader(body)
	if err != nil {
		return Ingested{}, Served{}, err
	}
	batch, _, err := search.ReadBatch(r, search.MaxBatch+1)
	if err != nil {
		return Ingested{}, Served{}, err
	}
	results, err := s.engine.Ingest(ctx, search.Feed{ID: f.ID, Language: f.Language}, batch)
	if err != nil {
		return Ingested{}, Served{}, err
	}
	return ingested(results), Served{Feeds: feedRefs([]feeds.Feed{f})}, nil
}

func ingested(results []search.IngestResult) Ingested {
	out := Ingested{Entries: make([]IngestedEntry, len(results))}
	for i, r := range results {
		out.Entries[i] = IngestedEntry{ID: r.ID.String(), ExternalID: r.ExternalID, Status: r.Outcome.String()}
		switch r.Outcome {
		case search.Created:
			out.Created++
		case search.Updated:
			out.Updated++
		default:
			out.Unchanged++
		}
	}
	return out
}

// DeleteEntry deletes entry id of feed ref, which p's account must own.
// Errors: NOT_FOUND for a feed the account does not own; search.ErrNotFound.
func (s *Service) DeleteEntry(ctx context.Context, p auth.Principal, ref, id string) error {
	f, err := s.ownedFeed(ctx, p, ref)
	if err != nil {
		return err
	}
	entry, err := entryID(id)
	if err != nil {
		return err
	}
	return s.engine.Delete(ctx, f.ID, entry)
}

// ownedFeed is feed ref if p's account owns it; a feed of another account is
// NOT_FOUND (not visible to the caller).
func (s *Service) ownedFeed(ctx context.Context, p auth.Principal, ref string) (feeds.Feed, error) {
	f, err := s.catalog.Lookup(ctx, ref)
	if err == nil && f.OwnerAccountID != p.AccountID {
		err = feeds.ErrNotFound
	}
	return f, notOwned(err)
}

// notOwned words feeds.ErrNotFound for a request only a feed's owner may make.
func notOwned(err error) error {
	if errors.Is(err, feeds.ErrNotFound) {
		return NewError(CodeNotFound, "No such feed among the feeds this account owns.", nil)
	}
	return err
}
