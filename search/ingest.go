package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kapi-project/kapi/embed"
)

// Outcome says what ingesting one entry did.
type Outcome int

// The outcomes of ingesting an entry.
const (
	Created   Outcome = iota + 1 // a new entry
	Updated                      // an existing entry changed
	Unchanged                    // identical to what is stored; nothing written
)

func (o Outcome) String() string {
	switch o {
	case Created:
		return "created"
	case Updated:
		return "updated"
	case Unchanged:
		return "unchanged"
	}
	return "unknown"
}

// IngestResult is the outcome for one entry of a batch, in batch order.
type IngestResult struct {
	ID         uuid.UUID
	ExternalID string
	Outcome    Outcome
}

// Ingest validates a batch of at most MaxBatch entries, embeds the new and changed
// ones, and upserts them into feed by (feed, external_id), all or nothing.
// Entries identical to the stored ones (and embedded by the active model) are
// left alone, so ingesting the same data again writes nothing.
//
// Errors: a *BatchError (wrapping ErrInvalid) for an invalid batch, with nothing
// stored; embed.ErrUnavailable when the embedder cannot answer, with nothing stored.
func (e *Engine) Ingest(ctx context.Context, feed Feed, batch []NewEntry) ([]IngestResult, error) {
	entries, err := validate(batch)
	if err != nil {
		return nil, err
	}
	model := e.embedder.Model().String()
	stored, err := e.storedByExternalID(ctx, feed.ID, entries)
	if err != nil {
		return nil, err
	}
	results := make([]IngestResult, len(entries))
	// changed is in external_id order, the order the upsert locks rows in, so
	// that concurrent batches naming the same entries lock them in one order.
	var changed []int
	for i, v := range entries {
		results[i] = IngestResult{ExternalID: v.ExternalID, Outcome: Created}
		if s, ok := stored[v.ExternalID]; ok {
			results[i].ID, results[i].Outcome = s.ID, Updated
			if s.model == model && sameContent(s.Entry, v) {
				results[i].Outcome = Unchanged
				continue
			}
		}
		changed = append(changed, i)
	}
	if len(changed) == 0 {
		e.hooks.ingested(results)
		return results, nil
	}
	slices.SortFunc(changed, func(a, b int) int { return strings.Compare(entries[a].ExternalID, entries[b].ExternalID) })
	passages, err := e.embedChanged(ctx, feed.ID, model, entries, changed, stored)
	if err != nil {
		return nil, err
	}
	if err := e.upsert(ctx, feed, entries, changed, passages, model, results); err != nil {
		return nil, err
	}
	e.wrote(feed.ID)
	e.hooks.ingested(results)
	return results, nil
}

type storedEntry struct {
	Entry
	model string
}

const selectStoredSQL = `
SELECT id, external_id, title, content, category, tags, confidence, coalesce(source_url, ''),
       metadata, coalesce(embedding_model, '')
FROM entries
WHERE feed_id = $1 AND external_id = ANY($2)`

func (e *Engine) storedByExternalID(ctx context.Context, feedID uuid.UUID, entries []validEntry) (map[string]storedEntry, error) {
	ids := make([]string, len(entries))
	for i, v := range entries {
		ids[i] = v.ExternalID
	}
	rows, err := e.pool.Query(ctx, selectStoredSQL, feedID, ids)
	if err != nil {
		return nil, fmt.Errorf("read stored entries: %w", err)
	}
	out := make(map[string]storedEntry, len(entries))
	for rows.Next() {
		var s storedEntry
		if err := rows.Scan(&s.ID, &s.ExternalID, &s.Title, &s.Content, &s.Category, &s.Tags,
			&s.Confidence, &s.SourceURL, &s.Metadata, &s.model); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read stored entries: %w", err)
		}
		out[s.ExternalID] = s
	}
	return out, rows.Err()
}

func sameContent(s Entry, v validEntry) bool {
	return s.Title == v.Title && s.Content == v.Content && s.Category == v.Category &&
		slices.Equal(s.Tags, v.Tags) && float32(s.Confidence) == float32(v.confidence) &&
		s.SourceURL == v.SourceURL && reflect.DeepEqual(s.Metadata, v.metadata)
}

// embedChanged embeds the entries at the given indexes as passages (see
// passages.go), reusing the vectors of stored passages whose text is unchanged.
func (e *Engine) embedChanged(ctx context.Context, feedID uuid.UUID, model string,
	entries []validEntry, idx []int, stored map[string]storedEntry) ([][]passage, error) {
	docs := make([]embed.Document, len(idx))
	old := map[uuid.UUID]embed.Document{}
	for j, i := range idx {
		docs[j] = embed.Document{Title: entries[i].Title, Text: entries[i].Content}
		if s, ok := stored[entries[i].ExternalID]; ok {
			old[s.ID] = embed.Document{Title: s.Title, Text: s.Content}
		}
	}
	reuse, err := e.storedPassages(ctx, feedID, model, old)
	if err != nil {
		return nil, err
	}
	return e.embedPassages(ctx, docs, reuse)
}

// upsertSQL writes a batch in one statement. xmax = 0 tells an inserted row from
// an updated one. A row whose searchable text changes gets a new doc_no
// (docNosSQL), so its keyword postings are written anew and the old ones die
// (003_keyword.sql); the rest keep theirs.
// the numbers travel as a parameter because Citus wants no volatile function
// in ON CONFLICT … SET.
const upsertSQL = `
INSERT INTO entries AS e (feed_id, language, external_id, title, content, category, tags,
                          confidence, source_url, metadata, embedding_model, doc_no)
SELECT $1, $2, x.external_id, x.title, x.content, x.category,
       ARRAY(SELECT jsonb_array_elements_text(x.tags)), x.confidence,
       nullif(x.source_url, ''), x.metadata, $3, x.doc_no
FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::real[],
            $10::text[], $11::jsonb[], $12::bigint[])
     AS x (external_id, title, content, category, tags, confidence, source_url, metadata, doc_no)
ON CONFLICT (feed_id, external_id) DO UPDATE SET
    doc_no = CASE WHEN (e.language, e.title, e.tags, e.content)
                       IS NOT DISTINCT FROM (excluded.language, excluded.title, excluded.tags, excluded.content)
                  THEN e.doc_no ELSE excluded.doc_no END,
    language = excluded.language, title = excluded.title, content = excluded.content,
    category = excluded.category, tags = excluded.tags, confidence = excluded.confidence,
    source_url = excluded.source_url, metadata = excluded.metadata,
    embedding_model = excluded.embedding_model,
    updated_at = $13
RETURNING e.id, e.external_id, (e.xmax = 0) AS inserted, e.doc_no, e.search_vector`

// docNosSQL draws $1 doc_no values for the entry versions a batch writes, and
// reads the transaction's time, which the upsert and the feed's counters take
// as a parameter (Citus wants no volatile function in ON CONFLICT … SET).
const docNosSQL = `SELECT array_agg(nextval('entries_doc_no_seq')), now() FROM generate_series(1, $1)`

// upsert stores the entries idx of a batch, their passages and their keyword
// postings in one transaction, run again (up to maxWriteAttempts times in all)
// when Postgres rolls it back to break a deadlock.
func (e *Engine) upsert(ctx context.Context, feed Feed, entries []validEntry, idx []int,
	passages [][]passage, model string, results []IngestResult) error {
	// Tag lists are ragged (Postgres has no ragged arrays) and metadata is an object,
	// so both travel as JSON text.
	var cols batchColumns
	for _, i := range idx {
		v := entries[i]
		cols.ext = append(cols.ext, v.ExternalID)
		cols.title = append(cols.title, v.Title)
		cols.content = append(cols.content, v.Content)
		cols.category = append(cols.category, v.Category)
		cols.tags = append(cols.tags, mustJSON(v.Tags))
		cols.conf = append(cols.conf, float32(v.confidence))
		cols.url = append(cols.url, v.SourceURL)
		cols.meta = append(cols.meta, mustJSON(v.metadata))
	}
	byExt := make(map[string]int, len(idx))
	for _, i := range idx {
		byExt[entries[i].ExternalID] = i
	}
	// Concurrent batches into one feed lock rows in one order (entries by
	// external_id, then the keyword statistics by lexeme), so a deadlock
	// should not happen; should Postgres still report one (or a serialization
	// failure), the transaction rolled back whole and is run again.
	w := batchWrite{feed, model, entries, idx, passages, cols, byExt, results}
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error { return w.run(ctx, tx) })
		if attempt == maxWriteAttempts || !retryable(err) {
			return err
		}
	}
}

// maxWriteAttempts bounds the runs of a batch's transaction (upsert).
const maxWriteAttempts = 3

// retryable reports a transaction that Postgres rolled back to break a
// deadlock or a serialization conflict: running it again can succeed.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// batchColumns are the columns of a batch's upsert, one slice per column.
type batchColumns struct {
	ext, title, content, category, url, tags, meta []string
	conf                                           []float32
}

// batchWrite is what upsert writes in one transaction: the entries at idx,
// their columns, and passages[j] of entries[idx[j]]; results receive the ids
// and outcomes (byExt maps an external id to its index in entries).
type batchWrite struct {
	feed     Feed
	model    string
	entries  []validEntry
	idx      []int
	passages [][]passage
	cols     batchColumns
	byExt    map[string]int
	results  []IngestResult
}

// run is upsert's transaction. Running it again after a rollback writes the
// same and sets the same results.
func (w batchWrite) run(ctx context.Context, tx pgx.Tx) error {
	var docNos []int64
	var now time.Time
	if err := tx.QueryRow(ctx, docNosSQL, len(w.idx)).Scan(&docNos, &now); err != nil {
		return fmt.Errorf("number entries: %w", err)
	}
	rows, err := tx.Query(ctx, upsertSQL, w.feed.ID, w.feed.Language, w.model,
		w.cols.ext, w.cols.title, w.cols.content, w.cols.category, w.cols.tags, w.cols.conf,
		w.cols.url, w.cols.meta, docNos, now)
	if err != nil {
		return fmt.Errorf("store entries: %w", err)
	}
	versions, err := readUpserted(rows, w.byExt, docNos, w.results)
	if err != nil {
		return err
	}
	// Passages first (their HNSW inserts are the slow part): the keyword
	// index locks the feed's statistics until the commit, so concurrent
	// batches into one feed wait for each other only for that last step.
	// Meanwhile the versions' postings are computed here.
	postings := make(chan keywordBatch, 1)
	go func() { postings <- newKeywordBatch(versions) }()
	if err := writeEntryPassages(ctx, tx, w.feed.ID, w.model, w.entries, w.idx, w.passages, w.results); err != nil {
		return err
	}
	if err := indexKeywords(ctx, tx, w.feed.ID, <-postings); err != nil {
		return err
	}
	created := 0
	for _, i := range w.idx {
		if w.results[i].Outcome == Created {
			created++
		}
	}
	if _, err := tx.Exec(ctx, countFeedEntriesSQL, w.feed.ID, created, now); err != nil {
		return fmt.Errorf("count entries: %w", err)
	}
	return nil
}

// readUpserted reads upsertSQL's rows into results (by external id, through
// byExt) and returns the entry versions it wrote: the rows that took the new
// doc_no drawn for them (docNos, in the order of byExt's indexes).
func readUpserted(rows pgx.Rows, byExt map[string]int, docNos []int64, results []IngestResult) ([]entryVersion, error) {
	defer rows.Close()
	drawn := make(map[int64]bool, len(docNos))
	for _, d := range docNos {
		drawn[d] = true
	}
	var versions []entryVersion
	for rows.Next() {
		var id uuid.UUID
		var ext string
		var inserted bool
		var doc int64
		// The tsvector is read raw, in the binary format pgx asks for.
		if err := rows.Scan(&id, &ext, &inserted, &doc, nil); err != nil {
			return nil, fmt.Errorf("store entries: %w", err)
		}
		r := &results[byExt[ext]]
		r.ID, r.Outcome = id, Updated
		if inserted {
			r.Outcome = Created
		}
		if drawn[doc] {
			terms, length, err := parseTSVector(rows.RawValues()[4])
			if err != nil {
				return nil, fmt.Errorf("store entries: entry version %d: %w", doc, err)
			}
			versions = append(versions, entryVersion{doc, terms, length})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store entries: %w", err)
	}
	return versions, nil
}

// writeEntryPassages stores the passages of the upserted entries idx, in the
// upsert's transaction.
func writeEntryPassages(ctx context.Context, tx pgx.Tx, feedID uuid.UUID, model string,
	entries []validEntry, idx []int, passages [][]passage, results []IngestResult) error {
	byExt := make(map[string]uuid.UUID, len(results))
	for _, r := range results {
		byExt[r.ExternalID] = r.ID
	}
	ids := make([]uuid.UUID, len(idx))
	var updated []uuid.UUID
	for j, i := range idx {
		ids[j] = byExt[entries[i].ExternalID]
		if results[i].Outcome == Updated {
			updated = append(updated, ids[j])
		}
	}
	return writePassages(ctx, tx, feedID, model, ids, passages, updated)
}

// mustJSON marshals values that always marshal (string slices, decoded JSON).
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("search: marshal %T: %v", v, err))
	}
	return string(b)
}
