package rest

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/kapi-project/kapi/cmd/kapi/wire"
	"github.com/kapi-project/kapi/feeds"
	"github.com/kapi-project/kapi/search"
)

type ingestResultDTO struct {
	ID         string `json:"id"`
	ExternalID string `json:"external_id"`
	Status     string `json:"status"` // created | updated | unchanged
}

type ingestDTO struct {
	Created   int               `json:"created"`
	Updated   int               `json:"updated"`
	Unchanged int               `json:"unchanged"`
	Entries   []ingestResultDTO `json:"entries"`
}

// ingestEntries answers POST /api/v1/feeds/{feed}/entries: a JSON array or
// NDJSON body of at most 500 entries into a feed the caller's account owns,
// stored all or nothing.
func (s *Server) ingestEntries(c *gin.Context) error {
	f, err := s.ownedFeed(c)
	if err != nil {
		return err
	}
	r, err := search.NewEntryReader(c.Request.Body)
	if err != nil {
		return readError(err)
	}
	batch, _, err := search.ReadBatch(r, search.MaxBatch+1)
	if err != nil {
		return readError(err)
	}
	results, err := s.engine.Ingest(c.Request.Context(), search.Feed{ID: f.ID, Language: f.Language}, batch)
	if err != nil {
		return ingestError(err)
	}
	out := ingestDTO{Entries: make([]ingestResultDTO, len(results))}
	for i, r := range results {
		out.Entries[i] = ingestResultDTO{ID: r.ID.String(), ExternalID: r.ExternalID, Status: r.Outcome.String()}
		switch r.Outcome {
		case search.Created:
			out.Created++
		case search.Updated:
			out.Updated++
		default:
			out.Unchanged++
		}
	}
	state(c).context = &RespContext{Feeds: wire.FeedRefs([]feeds.Feed{f})}
	respond(c, http.StatusOK, out, nil)
	return nil
}

// deleteEntry answers DELETE /api/v1/feeds/{feed}/entries/{id}.
func (s *Server) deleteEntry(c *gin.Context) error {
	f, err := s.ownedFeed(c)
	if err != nil {
		return err
	}
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return validationError("id", "id must be an entry UUID", nil)
	}
	if err := s.engine.Delete(c.Request.Context(), f.ID, id); errors.Is(err, search.ErrNotFound) {
		return apiError(wire.CodeNotFound, "No such entry in this feed.", nil)
	} else if err != nil {
		return err
	}
	respond(c, http.StatusOK, map[string]any{"id": id.String(), "deleted": true}, nil)
	return nil
}

// ownedFeed is the feed in the path if the caller's account owns it; a feed of
// another account is NOT_FOUND (not visible to the caller).
func (s *Server) ownedFeed(c *gin.Context) (feeds.Feed, error) {
	f, err := s.catalog.Lookup(c.Request.Context(), c.Param("feed"))
	if errors.Is(err, feeds.ErrNotFound) || (err == nil && f.OwnerAccountID != principal(c).AccountID) {
		return feeds.Feed{}, apiError(wire.CodeNotFound, "No such feed among the feeds this account owns.", nil)
	}
	return f, err
}

func readError(err error) error {
	var re *search.ReadError
	if errors.As(err, &re) {
		return validationError("body", re.Error(), map[string]any{"line": re.Line})
	}
	return err
}

func ingestError(err error) error {
	var be *search.BatchError
	if !errors.As(err, &be) {
		return err
	}
	problems := make([]map[string]any, len(be.Problems))
	for i, p := range be.Problems {
		problems[i] = map[string]any{"index": p.Index, "field": p.Field, "message": p.Message}
	}
	first := be.Problems[0]
	return validationError(first.Field, fmt.Sprintf("entry %d: %s: %s; nothing was stored", first.Index, first.Field, first.Message),
		map[string]any{"problems": problems})
}
