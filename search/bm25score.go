package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// keywordGenerationSQL re-reads the generations after postings were read: a
// rebuild between the statements of a batch shows as a change.
const keywordGenerationSQL = `SELECT feed_id, generation FROM keyword_feed_stats WHERE feed_id = ANY($1)`

// errRebuilt reports that a feed's keyword index was rebuilt while a search
// read it; the search reads again.
var errRebuilt = errors.New("keyword index rebuilt during the search")

// scoreBM25 reads the statistics of kq's lexemes and their posting lists
// (currentLists), and returns the score of every entry version that has one,
// unordered, with the statistics. Entries that cannot match a phrase
// restriction are left out.
func (e *Engine) scoreBM25(ctx context.Context, q Query, kq keywordQuery) ([]docScore, collectionStats, error) {
	lists, stats, err := e.currentLists(ctx, q.Feeds, kq)
	if err != nil {
		return nil, stats, err
	}
	scores := e.accumulate(lists, stats.avgLen)
	if kq.required {
		scores = kq.narrow(scores, lists, q.Feeds)
	}
	return scores, stats, nil
}

// currentLists reads the statistics of kq's lexemes in feeds and returns
// their posting lists (from the cache where it holds them, postcache.go),
// reading again when a feed's keyword index was rebuilt meanwhile.
func (e *Engine) currentLists(ctx context.Context, searched []Feed, kq keywordQuery) ([]scoredList, collectionStats, error) {
	for attempt := 0; ; attempt++ {
		lists, stats, err := e.listsOnce(ctx, searched, kq)
		if errors.Is(err, errRebuilt) && attempt < 3 {
			continue
		}
		return lists, stats, err
	}
}

// listsOnce is one attempt of currentLists: one round trip when every list
// is cached or not cached at all, two when a cached list has grown since.
// Errors: errRebuilt.
func (e *Engine) listsOnce(ctx context.Context, searched []Feed, kq keywordQuery) ([]scoredList, collectionStats, error) {
	feeds := feedIDs(searched)
	batch := &pgx.Batch{}
	batch.Queue(keywordStatsSQL, feeds)
	batch.Queue(keywordDFSQL, kq.pairFeeds, kq.pairLexemes, feeds)
	// Lists the cache does not hold are read whole in the same batch.
	cold := e.uncached(kq)
	if len(cold.feeds) > 0 {
		cold.queue(batch, feeds)
	}
	br := e.pool.SendBatch(ctx, batch)
	stats, fetched, err := readKeywordBatch(br, len(cold.feeds) > 0)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, stats, err
	}
	lists, err := e.postingLists(ctx, feeds, stats, fetched)
	return lists, stats, err
}

// readKeywordBatch reads the results listsOnce queued: statistics, and the
// cold lists' rows when fetch.
func readKeywordBatch(br pgx.BatchResults, fetch bool) (collectionStats, fetchedBlocks, error) {
	stats, err := readStats(br)
	if err != nil {
		return stats, nil, fmt.Errorf("keyword search: statistics: %w", err)
	}
	blocks := fetchedBlocks{}
	if fetch {
		if blocks, err = readBlocks(br, stats.generation); err != nil {
			return stats, nil, err
		}
	}
	return stats, blocks, nil
}

// readStats reads the results of keywordStatsSQL and keywordDFSQL.
func readStats(br pgx.BatchResults) (collectionStats, error) {
	s := collectionStats{df: map[string]float64{}, generation: map[uuid.UUID]int64{}, counts: map[postingKey]int64{}}
	rows, err := br.Query()
	if err != nil {
		return s, err
	}
	var feed uuid.UUID
	var docs, length, gen int64
	var total float64
	if _, err := pgx.ForEachRow(rows, []any{&feed, &docs, &length, &gen}, func() error {
		s.docs += float64(docs)
		total += float64(length)
		s.generation[feed] = gen
		return nil
	}); err != nil {
		return s, err
	}
	if s.docs > 0 {
		s.avgLen = total / s.docs
	}
	if rows, err = br.Query(); err != nil {
		return s, err
	}
	var lexeme string
	var df, count int64
	_, err = pgx.ForEachRow(rows, []any{&feed, &lexeme, &df, &count}, func() error {
		s.df[lexeme] += float64(df)
		s.counts[postingKey{feed, lexeme}] = count
		return nil
	})
	return s, err
}

// listRequest is the lists to read: feed, lexeme and the first posting
// wanted of each.
type listRequest struct {
	feeds   []uuid.UUID
	lexemes []string
	from    []int64
}

func (r *listRequest) add(k postingKey, from int64) {
	r.feeds, r.lexemes, r.from = append(r.feeds, k.feed), append(r.lexemes, k.lexeme), append(r.from, from)
}

// queue adds the reading of r's rows and the generation re-check to b.
func (r listRequest) queue(b *pgx.Batch, feeds []uuid.UUID) {
	b.Queue(keywordPostingsSQL, r.feeds, r.lexemes, r.from, feeds)
	b.Queue(keywordGenerationSQL, feeds)
}

// uncached lists the (feed, lexeme) pairs of kq that the cache does not hold.
func (e *Engine) uncached(kq keywordQuery) listRequest {
	var r listRequest
	for i, f := range kq.pairFeeds {
		if k := (postingKey{f, kq.pairLexemes[i]}); e.postings.get(k) == nil {
			r.add(k, 0)
		}
	}
	return r
}

// fetchedBlocks are the postings read from the database, per list: each list's
// rows from the one holding the first posting asked, in order, as read.
type fetchedBlocks map[postingKey]*fetched

type fetched struct {
	from         int64 // the number of the first posting read
	docs, packed []int64
}

// readBlocks reads the results of listRequest.queue, checking that no feed's
// generation moved from gens meanwhile (errRebuilt).
func readBlocks(br pgx.BatchResults, gens map[uuid.UUID]int64) (fetchedBlocks, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("keyword search: postings: %w", err)
	}
	out := fetchedBlocks{}
	var k postingKey
	var first int64
	var docs, packed []byte
	_, err = pgx.ForEachRow(rows, []any{&k.feed, &k.lexeme, &first, &docs, &packed}, func() error {
		if len(docs)%8 != 0 || len(docs) != len(packed) {
			return fmt.Errorf("lexeme %q: a row of %d and %d bytes", k.lexeme, len(docs), len(packed))
		}
		f := out[k]
		if f == nil {
			f = &fetched{from: first}
			out[k] = f
		}
		if first != f.from+int64(len(f.docs)) {
			return fmt.Errorf("lexeme %q: a row starts at posting %d, after %d", k.lexeme, first, f.from+int64(len(f.docs)))
		}
		for i := 0; i < len(docs); i += 8 {
			f.docs = append(f.docs, int64(binary.BigEndian.Uint64(docs[i:])))
			f.packed = append(f.packed, int64(binary.BigEndian.Uint64(packed[i:])))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("keyword search: postings: %w", err)
	}
	if rows, err = br.Query(); err != nil {
		return nil, fmt.Errorf("keyword search: generations: %w", err)
	}
	var feed uuid.UUID
	var gen int64
	_, err = pgx.ForEachRow(rows, []any{&feed, &gen}, func() error {
		if gens[feed] != gen {
			return errRebuilt
		}
		return nil
	})
	return out, err
}

// scoredList is a posting list with its lexeme's IDF, ready to score.
type scoredList struct {
	key postingKey
	idf float64
	*postings
}

// postingLists returns the current list of every lexeme stats counts: from the
// cache when it holds the whole list, completed from fetched or the database
// (one more round trip) otherwise, and caches the result.
func (e *Engine) postingLists(ctx context.Context, feeds []uuid.UUID, stats collectionStats, fetched fetchedBlocks) ([]scoredList, error) {
	var stale listRequest
	for k, count := range stats.counts {
		if fetched[k] != nil {
			continue
		}
		switch c := e.postings.get(k); {
		case c == nil || c.generation != stats.generation[k.feed]:
			stale.add(k, 0)
		case int64(len(c.docs)) < count:
			stale.add(k, int64(len(c.docs)))
		}
	}
	if len(stale.feeds) > 0 {
		more, err := e.readLists(ctx, stale, feeds, stats.generation)
		if err != nil {
			return nil, err
		}
		for k, f := range more {
			fetched[k] = f
		}
	}
	lists := make([]scoredList, 0, len(stats.counts))
	for k, count := range stats.counts {
		p, err := e.currentList(k, count, stats.generation[k.feed], fetched[k])
		if err != nil {
			return nil, err
		}
		lists = append(lists, scoredList{key: k, idf: stats.idf(k.lexeme), postings: p})
	}
	return lists, nil
}

// readLists reads r's rows in a round trip of its own.
func (e *Engine) readLists(ctx context.Context, r listRequest, feeds []uuid.UUID, gens map[uuid.UUID]int64) (fetchedBlocks, error) {
	b := &pgx.Batch{}
	r.queue(b, feeds)
	br := e.pool.SendBatch(ctx, b)
	out, err := readBlocks(br, gens)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return out, err
}

// currentList is k's list of count postings of generation gen: the cached
// one (or its first count postings: lists only grow within a generation), or
// the cached prefix completed with f, or f alone; cached when built. Postings
// read past count (appended since the statistics were read) are left out.
func (e *Engine) currentList(k postingKey, count, gen int64, f *fetched) (*postings, error) {
	c := e.postings.get(k)
	if c != nil && c.generation == gen && int64(len(c.docs)) >= count {
		return &postings{generation: gen, docs: c.docs[:count:count], packed: c.packed[:count:count]}, nil
	}
	p := &postings{generation: gen}
	if f == nil {
		return nil, fmt.Errorf("keyword search: postings of %q were not read", k.lexeme)
	}
	if f.from > 0 {
		if c == nil || c.generation != gen || int64(len(c.docs)) < f.from {
			return nil, fmt.Errorf("keyword search: postings of %q: no cached list to complete", k.lexeme)
		}
		p.docs = slices.Concat(c.docs[:f.from], f.docs)
		p.packed = slices.Concat(c.packed[:f.from], f.packed)
	} else {
		p.docs, p.packed = f.docs, f.packed
	}
	if int64(len(p.docs)) < count {
		return nil, fmt.Errorf("keyword search: postings of %q: %d read, %d counted", k.lexeme, len(p.docs), count)
	}
	e.postings.put(k, p)
	return &postings{generation: gen, docs: p.docs[:count:count], packed: p.packed[:count:count]}, nil
}
